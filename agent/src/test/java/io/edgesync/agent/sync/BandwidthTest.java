package io.edgesync.agent.sync;

import io.edgesync.agent.config.BandwidthSchedule;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The limit a throttle applies, on a fake wall clock and a fake monotonic clock. */
class BandwidthTest {
    private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    private final AtomicReference<Instant> wall = new AtomicReference<>(Instant.parse("2026-12-07T16:59:58Z")); // 17:59:58 Berlin, a Monday
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return wall.get();
        }
    };

    private void advance(Duration d) {
        wall.set(wall.get().plus(d));
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void theScheduleSwitchesAtItsBoundary() {
        Bandwidth b = new Bandwidth(BandwidthSchedule.parse("k", "Mon-Fri 08:00-18:00 2Mbit, else off"), ZONE, clock,
                nanos::get);
        assertThat(b.rate()).isEqualTo(250_000);
        assertThat(b.state().nextChange()).isEqualTo("2026-12-07T17:00:00Z");
        advance(Duration.ofMillis(1_999));
        assertThat(b.rate()).as("17:59:59.999").isEqualTo(250_000);
        advance(Duration.ofMillis(1));
        assertThat(b.rate()).as("18:00:00").isZero();
        assertThat(b.state().source()).as("the schedule says: no limit now").isEqualTo("schedule");
        assertThat(b.state().limit()).isEqualTo("off");
    }

    @Test
    void anOverrideLastsItsTimeOnTheMonotonicClockThenTheScheduleIsBack() {
        Bandwidth b = new Bandwidth(BandwidthSchedule.parse("k", "2Mbit"), ZONE, clock, nanos::get);
        b.override(Optional.of(0L), Duration.ofHours(2));
        assertThat(b.rate()).as("off: no limit").isZero();
        assertThat(b.state().source()).isEqualTo("override");
        assertThat(b.state().overrideUntil()).isEqualTo("2026-12-07T18:59:58Z");
        wall.set(wall.get().minus(Duration.ofDays(3))); // the wall clock stepped back: the override still ends in 2 h
        nanos.addAndGet(Duration.ofMinutes(119).toNanos());
        assertThat(b.rate()).isZero();
        nanos.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(b.rate()).isEqualTo(250_000);
        assertThat(b.state().source()).isEqualTo("schedule");

        b.override(Optional.of(125_000L), Duration.ofMinutes(5));
        assertThat(b.rate()).isEqualTo(125_000);
        b.override(Optional.empty(), Duration.ZERO);
        assertThat(b.rate()).as("'schedule' ends it").isEqualTo(250_000);
    }

    @Test
    void aThrottleReservesTheLinksTimeAndGivesBackWhatWasNotSent() {
        Throttle t = new Throttle(() -> 1_000_000, nanos::get);
        assertThat(t.reserve(100_000, 1_000_000)).as("the first tenth of a second goes at once").isLessThanOrEqualTo(0);
        assertThat(t.reserve(100_000, 1_000_000)).isEqualTo(100_000_000L);
        t.giveBack(100_000, 1_000_000);
        assertThat(t.reserve(50_000, 1_000_000)).isEqualTo(50_000_000L);
        assertThat(Throttle.piece(8L << 20, 1_000_000)).isEqualTo(50_000);
        assertThat(Throttle.piece(8L << 20, 0)).as("no limit: sendfile's whole chunk").isEqualTo(8L << 20);
    }
}
