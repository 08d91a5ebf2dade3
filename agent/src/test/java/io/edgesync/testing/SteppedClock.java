package io.edgesync.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system's wall clock, stepped by a test: as a board without a real-time clock sees it when NTP sets
 * the time (back or forward by hours). The monotonic clock ({@code System.nanoTime}) is not stepped.
 */
public final class SteppedClock extends Clock {
    private volatile Duration offset = Duration.ZERO;

    /** Moves the wall clock by {@code step} (negative: back) from now on. */
    public void step(Duration step) {
        offset = offset.plus(step);
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("UTC only");
    }
}
