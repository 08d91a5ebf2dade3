package io.edgesync.agent.control;

import io.edgesync.agent.ingest.SiteInfo;
import io.edgesync.agent.ledger.Backlog;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.sync.SyncService;
import io.edgesync.agent.sync.UpstreamStatus;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The agent's answers to the technician commands of the FTP server (SITE SYNC, SITE QUEUE, STAT). Thread-safe. */
public final class SiteReport implements SiteInfo {
    private final String agentId;
    private final Ledger ledger;
    private final SyncService sync;
    private final Clock clock;
    private final long startedNanos = System.nanoTime();

    public SiteReport(String agentId, Ledger ledger, SyncService sync, Clock clock) {
        this.agentId = agentId;
        this.ledger = ledger;
        this.sync = sync;
        this.clock = clock;
    }

    @Override
    public String agentId() {
        return agentId;
    }

    @Override
    public String version() {
        return StatusReporter.version();
    }

    @Override
    public Duration uptime() {
        return Duration.ofNanos(System.nanoTime() - startedNanos); // a stepped wall clock does not change it
    }

    @Override
    public List<String> deliveries(String path) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Ledger.DeliveryState d : ledger.reports().deliveriesOf(path)) {
            String detail = switch (d.state()) {
                case DELIVERED -> "delivered at " + d.updatedAt();
                case PENDING -> "waiting, attempt " + (d.attempts() + 1) + " due at " + d.nextAttemptAt()
                        + d.lastError().map(e -> "; last error: " + e).orElse("");
                case ACTIVE -> "being sent now (attempt " + d.attempts() + ")";
                case PARKED -> "parked after " + d.attempts() + " attempt(s): " + d.lastError().orElse("?");
                case SUPERSEDED -> d.state().label();
                case STANDBY -> "standing by: its delivery rule's preferred upstreams take it";
                case WITHDRAWN -> "withdrawn: " + d.lastError().orElse("its delivery rule was met");
            };
            lines.add(d.upstream() + ": " + detail);
        }
        return lines;
    }

    @Override
    public List<String> queue() throws IOException {
        Instant now = clock.instant();
        List<String> lines = new ArrayList<>();
        for (UpstreamStatus u : sync.status()) {
            Backlog b = ledger.reports().backlog(u.name());
            lines.add(u.name() + ": " + u.state() + ", " + b.pending() + " waiting, " + b.parked() + " parked"
                    + b.oldestPending().map(t -> ", oldest " + Duration.between(t, now).toSeconds() + " s").orElse(""));
        }
        return lines;
    }
}
