package io.edgesync.agent.telemetry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The page's last hour, per minute, on a fake monotonic clock. */
class ThroughputTest {
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    @Test
    void countsEachMinuteAndForgetsWhatIsOlderThanAnHour() {
        AtomicLong nanos = new AtomicLong(1_000 * MINUTE + 5);
        Throughput t = new Throughput(nanos::get);
        Instant now = Instant.parse("2026-12-04T10:30:20Z");
        t.publish(new AgentEvent.FileReceived("a", 100, "00", "cam", "10.0.0.1", now));
        t.publish(new AgentEvent.FileDelivered("a", "hq", 100, 1, Duration.ofMillis(5), "size", 0, now));
        nanos.addAndGet(MINUTE);
        t.publish(new AgentEvent.FileReceived("b", 50, "00", "cam", "10.0.0.1", now));
        List<Throughput.Minute> hour = t.lastHour(now);
        assertThat(hour).hasSize(Throughput.MINUTES);
        assertThat(hour.get(59).receivedBytes()).isEqualTo(50);
        assertThat(hour.get(58).receivedBytes()).isEqualTo(100);
        assertThat(hour.get(58).deliveredBytes()).isEqualTo(100);
        assertThat(Instant.parse(hour.get(59).at())).isBefore(now);
        assertThat(Duration.between(Instant.parse(hour.get(0).at()), Instant.parse(hour.get(59).at())))
                .isEqualTo(Duration.ofMinutes(59));
        nanos.addAndGet(59 * MINUTE);
        assertThat(t.lastHour(now).get(0).receivedBytes()).as("an hour on, only the second minute is left").isEqualTo(50);
        nanos.addAndGet(3 * 60 * MINUTE); // a board that slept: nothing left, nothing negative
        assertThat(t.lastHour(now)).allSatisfy(m -> assertThat(m.receivedBytes() + m.deliveredBytes()).isZero());
    }
}
