package io.edgesync.agent.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5));

    @Test
    void doublesPerAttemptWithinHalfToFull() {
        SplittableRandom random = new SplittableRandom(42);
        for (int attempt = 1; attempt <= 7; attempt++) {
            long full = 2000L << (attempt - 1);
            for (int i = 0; i < 200; i++) {
                assertThat(backoff.delay(attempt, random).toMillis()).isBetween(full / 2, full);
            }
        }
    }

    @Test
    void isCappedAtMaxEvenForHugeAttemptCounts() {
        SplittableRandom random = new SplittableRandom(7);
        for (int attempt : new int[] {9, 20, 63, 64, 1000, Integer.MAX_VALUE}) {
            assertThat(backoff.delay(attempt, random)).isBetween(Duration.ofSeconds(150), Duration.ofMinutes(5));
        }
    }

    @Test
    void jitterSpreadsRetries() {
        SplittableRandom random = new SplittableRandom(1);
        long distinct = java.util.stream.IntStream.range(0, 100)
                .mapToLong(i -> backoff.delay(5, random).toMillis()).distinct().count();
        assertThat(distinct).isGreaterThan(50);
    }
}
