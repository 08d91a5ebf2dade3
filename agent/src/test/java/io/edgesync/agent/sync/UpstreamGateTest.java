package io.edgesync.agent.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The upstream's gate and state, on a test clock: pause, the upstream-wide backoff, up/down/unknown. */
class UpstreamGateTest {
    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final UpstreamGate gate = new UpstreamGate(nanos::get);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void anUpstreamNotYetTriedIsUnknownAndOpen() {
        assertThat(gate.state()).isEqualTo("unknown");
        assertThat(gate.open()).isTrue();
        assertThat(gate.retryAt(T0)).isEmpty();
        gate.restoreLastError("553 refused (last run)");
        assertThat(gate.state()).as("an error from the last run says nothing of now").isEqualTo("unknown");
        assertThat(gate.lastError()).hasValue("553 refused (last run)");
    }

    @Test
    void anUpstreamWideFailureClosesTheGateOnTheMonotonicClockUntilItsRetryTime() {
        gate.failed(T0, "connect refused", true, T0.plusSeconds(30));
        assertThat(gate.state()).isEqualTo("down");
        assertThat(gate.open()).isFalse();
        assertThat(gate.nanosUntilOpen()).isEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(gate.retryAt(T0.plusSeconds(10))).as("reported on the wall clock that reads now")
                .hasValue(T0.plusSeconds(40));
        advance(Duration.ofSeconds(29));
        assertThat(gate.open()).isFalse();
        advance(Duration.ofSeconds(1));
        assertThat(gate.open()).isTrue();
        assertThat(gate.nanosUntilOpen()).isZero();
        assertThat(gate.state()).as("still down until it answers").isEqualTo("down");
        gate.succeeded(T0.plusSeconds(31));
        assertThat(gate.state()).isEqualTo("up");
        assertThat(gate.consecutiveFailures()).isZero();
        assertThat(gate.retryAt(T0)).isEmpty();
    }

    @Test
    void aFilesOwnFailureOrParkingLeavesTheUpstreamUpAndTheGateOpen() {
        gate.failed(T0, "451 local error", false, T0.plusSeconds(30));
        assertThat(gate.state()).isEqualTo("up");
        assertThat(gate.open()).isTrue();
        assertThat(gate.consecutiveFailures()).isEqualTo(1);
        gate.failed(T0, "login refused", true, T0.plusSeconds(60));
        gate.parked(T0.plusSeconds(1), "553 refused");
        assertThat(gate.state()).as("it answered the parked file").isEqualTo("up");
        assertThat(gate.lastError()).hasValue("553 refused");
        assertThat(gate.lastFailure()).hasValue(T0.plusSeconds(1));
    }

    @Test
    void newCredentialsEndTheBackoffAndPauseOutlivesIt() {
        gate.failed(T0, "530 login incorrect", true, T0.plus(Duration.ofMinutes(5)));
        assertThat(gate.open()).isFalse();
        gate.credentialsChanged();
        assertThat(gate.open()).isTrue();
        assertThat(gate.setPaused(true)).isTrue();
        assertThat(gate.setPaused(true)).as("paused already").isFalse();
        assertThat(gate.open()).isFalse();
        advance(Duration.ofHours(1));
        assertThat(gate.open()).isFalse();
        assertThat(gate.setPaused(false)).isTrue();
        assertThat(gate.open()).isTrue();
    }
}
