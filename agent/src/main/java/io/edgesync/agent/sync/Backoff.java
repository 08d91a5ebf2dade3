package io.edgesync.agent.sync;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: attempt n waits between half and all of {@code initial * 2^(n-1)},
 * capped at {@code max}. The jitter keeps a fleet of boards from retrying an upstream in lockstep.
 */
record Backoff(Duration initial, Duration max) {

    Duration delay(int attempt, RandomGenerator random) {
        long cap = max.toMillis();
        long base = initial.toMillis();
        int shift = Math.min(Math.max(attempt - 1, 0), 40);
        long full = base > cap >> shift ? cap : Math.min(cap, base << shift);
        long half = full / 2;
        return Duration.ofMillis(half + (full - half == 0 ? 0 : random.nextLong(full - half + 1)));
    }
}
