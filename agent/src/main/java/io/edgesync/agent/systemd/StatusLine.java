package io.edgesync.agent.systemd;

import io.edgesync.agent.ledger.Backlog;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.sync.SyncService;
import io.edgesync.agent.sync.UpstreamStatus;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The line {@code systemctl status} shows, e.g. {@code backlog 12 files (oldest 3 min), 1/2 upstreams up
 * (hq: down), 4 parked}. No paths, no URLs (they can hold user names), no errors: those are in the status API.
 */
public final class StatusLine {
    private StatusLine() {
    }

    public static String of(SyncService sync, Clock clock) throws LedgerException {
        long pending = 0;
        long parked = 0;
        Optional<java.time.Instant> oldest = Optional.empty();
        for (String name : sync.upstreamNames()) {
            Backlog backlog = sync.backlog(name);
            pending += backlog.pending();
            parked += backlog.parked();
            if (backlog.oldestPending().isPresent()
                    && (oldest.isEmpty() || backlog.oldestPending().get().isBefore(oldest.get()))) {
                oldest = backlog.oldestPending();
            }
        }
        List<UpstreamStatus> upstreams = sync.status();
        List<String> notUp = new ArrayList<>();
        for (UpstreamStatus u : upstreams) {
            if (u.paused()) {
                notUp.add(u.name() + ": paused");
            } else if (!u.state().equals("up")) {
                notUp.add(u.name() + ": " + u.state());
            }
        }
        StringBuilder line = new StringBuilder("backlog ").append(pending).append(pending == 1 ? " file" : " files");
        oldest.ifPresent(t -> line.append(" (oldest ").append(age(Duration.between(t, clock.instant()))).append(')'));
        line.append(", ").append(upstreams.size() - notUp.size()).append('/').append(upstreams.size())
                .append(" upstreams up");
        if (!notUp.isEmpty()) {
            line.append(" (").append(String.join(", ", notUp)).append(')');
        }
        if (parked > 0) {
            line.append(", ").append(parked).append(" parked");
        }
        return line.toString();
    }

    static String age(Duration age) {
        long s = Math.max(0, age.toSeconds());
        return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s < 172_800 ? s / 3600 + " h" : s / 86_400 + " days";
    }
}
