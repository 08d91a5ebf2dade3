package io.edgesync.agent.sync;

import io.edgesync.agent.config.BandwidthSchedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The limit one {@link Throttle} applies: the configured schedule at the local time, unless an operator set
 * an override ({@code bandwidth} command), which ends at its expiry (on the monotonic clock: a clock step
 * neither shortens nor lengthens it), at the next {@code bandwidth} command, or with the agent. The rate is
 * looked up at most once a second. Thread-safe.
 */
final class Bandwidth {
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private final Clock clock;
    private final LongSupplier nanos;
    private volatile BandwidthSchedule schedule;
    private volatile ZoneId zone;
    private volatile Override override;
    private volatile long rate;
    private volatile long validUntil;
    private volatile boolean checked;

    /** An operator's limit until {@code untilNanos} ({@link System#nanoTime()}), shown as ending at {@code until}. */
    record Override(long bytesPerSecond, long untilNanos, Instant until) {
    }

    Bandwidth(BandwidthSchedule schedule, ZoneId zone, Clock clock, LongSupplier nanos) {
        this.schedule = schedule;
        this.zone = zone;
        this.clock = clock;
        this.nanos = nanos;
    }

    /** {@code reload-config}. */
    void useSchedule(BandwidthSchedule next, ZoneId nextZone) {
        schedule = next;
        zone = nextZone;
        checked = false;
    }

    /** Sets (or, with empty, ends) the operator's override for {@code duration}. */
    void override(Optional<Long> bytesPerSecond, Duration duration) {
        override = bytesPerSecond.map(r -> new Override(r, nanos.getAsLong() + duration.toNanos(),
                clock.instant().plus(duration))).orElse(null);
        checked = false;
    }

    /**
     * The limit now in bytes a second (0 = none): looked up again after a second, or at the schedule's next
     * change if that comes first (a limit switches on the minute, not up to a second late).
     */
    long rate() {
        long now = nanos.getAsLong();
        if (!checked || now - validUntil >= 0) {
            rate = lookUp(now);
            long valid = RECHECK_NANOS;
            BandwidthSchedule s = schedule;
            if (s.limits()) {
                Instant wall = clock.instant();
                Optional<ZonedDateTime> next = s.nextChange(wall.atZone(zone));
                if (next.isPresent()) {
                    valid = Math.min(valid, Math.max(0, Duration.between(wall, next.get().toInstant()).toNanos()));
                }
            }
            validUntil = now + valid;
            checked = true;
        }
        return rate;
    }

    private long lookUp(long now) {
        Override o = override;
        if (o != null && now - o.untilNanos() < 0) {
            return o.bytesPerSecond();
        }
        BandwidthSchedule s = schedule;
        return s.limits() ? s.rateAt(clock.instant().atZone(zone)) : 0;
    }

    BandwidthState state() {
        long now = nanos.getAsLong();
        Override o = override;
        boolean overridden = o != null && now - o.untilNanos() < 0;
        long r = lookUp(now);
        BandwidthSchedule s = schedule;
        Optional<ZonedDateTime> next = s.nextChange(clock.instant().atZone(zone));
        return new BandwidthState(r, BandwidthSchedule.show(r), overridden ? "override" : s.limits() ? "schedule" : "none",
                s.text(), overridden ? o.until().toString() : null,
                next.map(t -> t.toInstant().toString()).orElse(null));
    }
}
