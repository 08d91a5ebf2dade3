package io.edgesync.agent.spool;

import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;

import java.io.IOException;
import java.time.Clock;
import java.util.List;

/**
 * Where a device upload is recorded: ingest hands each complete upload here ({@link UploadSink}) and this
 * writes it to the ledger, with one delivery owed per upstream that {@link Routing} names, before the device
 * is acknowledged. Once the file is in place the {@code file-received} event goes out and then the
 * {@link Listener} (sync) hears of it, so that no worker can deliver a file before its event was published.
 * Thread-safe.
 */
public final class Arrivals implements UploadSink {
    private static final System.Logger LOG = System.getLogger(Arrivals.class.getName());

    /** Hears of each file in place in the spool, with the upstreams it is owed to. Called on ingest's thread. */
    @FunctionalInterface
    public interface Listener {
        void arrived(ReceivedFile file, List<String> upstreams);
    }

    private final Ledger ledger;
    private final Routing routing;
    private final EventSink events;
    private final Clock clock;
    private final Listener listener;

    public Arrivals(Ledger ledger, Routing routing, EventSink events, Clock clock, Listener listener) {
        this.ledger = ledger;
        this.routing = routing;
        this.events = events;
        this.clock = clock;
        this.listener = listener;
    }

    /** Records one delivery per upstream that takes the file; none is due until published. */
    @Override
    public long record(ReceivedFile file) throws IOException {
        return ledger.intake().recordUnpublishedTo(file, routing.routesFor(file.path(), file.user(), file.receivedAt()));
    }

    /** The file is in place: its deliveries are due, older versions' are superseded; then sync hears of it. */
    @Override
    public void published(long id, ReceivedFile file) {
        ledger.intake().published(id, file.path(), file.receivedAt());
        events.publish(new AgentEvent.FileReceived(file.path(), file.size(), file.sha256(), file.user(),
                file.clientIp(), file.receivedAt()));
        // a delivery rule's upstreams that stand by for it are not told (they are, if it moves to them)
        listener.arrived(file, routing.routesFor(file.path(), file.user(), file.receivedAt()).stream()
                .filter(r -> !r.standby()).map(io.edgesync.agent.ledger.Intake.Route::upstream).toList());
    }

    @Override
    public void discard(long id) throws IOException {
        ledger.intake().discardUnpublished(id);
    }

    /** Records a file already in place in the spool (rebuilding a ledger from it). */
    public void accept(ReceivedFile file) throws IOException {
        published(record(file), file);
    }

    @Override
    public void withdraw(String path) throws IOException {
        int withdrawn = ledger.intake().withdraw(path, clock.instant());
        if (withdrawn > 0) {
            LOG.log(System.Logger.Level.INFO, "{0}: {1} pending delivery(ies) withdrawn", path, withdrawn);
        }
    }

    @Override
    public Owed owed(String path) throws IOException {
        Ledger.Totals owed = ledger.intake().owed(path);
        return new Owed(owed.files(), owed.bytes());
    }
}
