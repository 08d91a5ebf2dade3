package io.edgesync.agent.sync;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ingest.UploadSink;
import io.edgesync.agent.ledger.Backlog;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;
import io.edgesync.agent.telemetry.Metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Store-and-forward: takes each complete upload from ingest ({@link UploadSink}), records one delivery
 * per upstream in the ledger before the device is acknowledged, and runs each upstream's workers.
 * An upstream that is down never blocks ingest or another upstream. Thread-safe.
 */
public final class SyncService implements UploadSink {
    private static final System.Logger LOG = System.getLogger(SyncService.class.getName());

    private final Ledger ledger;
    private final EventSink events;
    private final Clock clock;
    private final List<UpstreamSync> upstreams;

    public SyncService(AgentConfig config, Ledger ledger, EventSink events, Clock clock) {
        this.ledger = ledger;
        this.events = events;
        this.clock = clock;
        Path spool = config.agent().spoolDir();
        this.upstreams = config.upstreams().stream()
                .map(u -> new UpstreamSync(u, config.sync(), new FtpUploader(u), ledger, spool, events, clock,
                        RandomGenerator.getDefault()))
                .toList();
    }

    /** Resets deliveries a crash left in flight, then starts every upstream's workers. */
    public void start() throws LedgerException {
        int recovered = ledger.recoverInFlight(clock.instant());
        if (recovered > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0} delivery(ies) were in flight when the agent last stopped;"
                    + " they are sent again", recovered);
        }
        upstreams.forEach(UpstreamSync::start);
        LOG.log(System.Logger.Level.INFO, "sync started for {0} upstream(s): {1}", upstreams.size(),
                upstreams.stream().map(UpstreamSync::name).toList());
    }

    /** Records one delivery per upstream whose {@code include} globs take the file, then wakes them. */
    @Override
    public void accept(ReceivedFile file) throws IOException {
        List<UpstreamSync> routed = upstreams.stream().filter(u -> u.routes(file.path())).toList();
        ledger.recordReceived(file, routed.stream().map(UpstreamSync::name).toList());
        routed.forEach(UpstreamSync::wake);
        events.publish(new AgentEvent.FileReceived(file.path(), file.size(), file.sha256(), file.user(),
                file.clientIp(), file.receivedAt()));
    }

    @Override
    public void withdraw(String path) throws IOException {
        int withdrawn = ledger.withdraw(path, clock.instant());
        if (withdrawn > 0) {
            LOG.log(System.Logger.Level.INFO, "{0}: {1} pending delivery(ies) withdrawn", path, withdrawn);
        }
    }

    @Override
    public boolean pendingUnder(String folder) throws IOException {
        return ledger.owesUnder(folder);
    }

    /** Parked deliveries (of one upstream, or all) are tried again now. @return how many */
    public int retryParked(Optional<String> upstream) throws LedgerException {
        int count = ledger.retryParked(upstream, clock.instant());
        upstreams.forEach(UpstreamSync::wake);
        LOG.log(System.Logger.Level.INFO, "retrying {0} parked delivery(ies){1}", count,
                upstream.map(u -> " to " + u).orElse(""));
        return count;
    }

    public List<UpstreamStatus> status() {
        return upstreams.stream().map(UpstreamSync::status).toList();
    }

    public List<String> upstreamNames() {
        return upstreams.stream().map(UpstreamSync::name).toList();
    }

    public Backlog backlog(String upstream) throws LedgerException {
        return ledger.backlog(upstream);
    }

    /** Registers each upstream's backlog gauges, read from the ledger at each scrape. */
    public void registerGauges(Metrics metrics) {
        for (UpstreamSync upstream : upstreams) {
            String name = upstream.name();
            metrics.gauge("edgesync.backlog.files", "Deliveries still owed to the upstream", ledger,
                    l -> backlogOrNaN(name).pending(), "upstream", name);
            metrics.gauge("edgesync.parked.files", "Deliveries parked until an operator retries them", ledger,
                    l -> backlogOrNaN(name).parked(), "upstream", name);
            metrics.gauge("edgesync.oldest.pending.age.seconds", "Age of the oldest file still owed to the upstream",
                    ledger, l -> backlogOrNaN(name).oldestPending()
                            .map(t -> (double) Duration.between(t, clock.instant()).toSeconds()).orElse(0.0),
                    "upstream", name);
        }
    }

    private Backlog backlogOrNaN(String upstream) {
        try {
            return ledger.backlog(upstream);
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "metrics: cannot read the backlog of {0}: {1}", upstream, e.getMessage());
            return new Backlog(-1, -1, -1, Optional.empty());
        }
    }

    /** Stops the workers, giving running transfers {@code grace} to finish. */
    public void stop(Duration grace) {
        try {
            for (UpstreamSync upstream : upstreams) {
                upstream.stop(grace);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
