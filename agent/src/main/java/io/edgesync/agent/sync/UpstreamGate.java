package io.edgesync.agent.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Whether an upstream's workers may start a transfer now, and what its status says about it: paused by an
 * operator, backing off as a whole after an upstream-wide failure (connect, login, timeout), and its last
 * success, failure and error. A pure state machine on the monotonic clock (a wall clock stepped by NTP
 * neither ends nor stretches a backoff); the wall-clock instants it keeps are only reported.
 *
 * <p>Not thread-safe: {@link UpstreamSync} calls it holding its lock, and waits on that lock's condition
 * for {@link #nanosUntilOpen()}.
 */
final class UpstreamGate {
    private final LongSupplier nanoTime;
    private boolean paused;
    private long blockedUntilNanos; // on nanoTime; 0: no backoff
    private int consecutiveFailures;
    private boolean unreachable; // the last outcome was an upstream-wide failure
    private Optional<Instant> lastSuccess = Optional.empty();
    private Optional<Instant> lastFailure = Optional.empty();
    private Optional<String> lastError = Optional.empty();
    private boolean downStreak; // unreachable since downSinceNanos, with no success since
    private long downSinceNanos;
    private boolean upStreak; // reached since upSinceNanos, with no upstream-wide failure since
    private long upSinceNanos;

    /** @param nanoTime the monotonic clock: {@link System#nanoTime} but in tests */
    UpstreamGate(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Whether a transfer may start now: not paused, not backing off. */
    boolean open() {
        return !paused && !backingOff();
    }

    boolean paused() {
        return paused;
    }

    /** @return whether that changed anything */
    boolean setPaused(boolean value) {
        boolean changed = paused != value;
        paused = value;
        return changed;
    }

    boolean backingOff() {
        return blockedUntilNanos != 0 && nanoTime.getAsLong() - blockedUntilNanos < 0;
    }

    /** How long the upstream-wide backoff still runs; 0 when none does. */
    long nanosUntilOpen() {
        return backingOff() ? blockedUntilNanos - nanoTime.getAsLong() : 0;
    }

    /** A transfer succeeded: the upstream is up, its backoff over, its failures forgotten. */
    void succeeded(Instant now) {
        reached();
        lastSuccess = Optional.of(now);
        consecutiveFailures = 0;
        unreachable = false;
        blockedUntilNanos = 0;
    }

    /**
     * A transfer failed and is tried again at {@code retryAt}. An upstream-wide failure blocks every worker
     * until then and makes the upstream down; a file's own failure shows the upstream answering.
     */
    void failed(Instant now, String error, boolean upstreamWide, Instant retryAt) {
        lastFailure = Optional.of(now);
        lastError = Optional.of(error);
        consecutiveFailures++;
        unreachable = upstreamWide;
        if (upstreamWide) {
            if (!downStreak) {
                downStreak = true;
                downSinceNanos = nanoTime.getAsLong();
            }
            upStreak = false;
            blockedUntilNanos = nanoTime.getAsLong() + Math.max(1, Duration.between(now, retryAt).toNanos());
        }
    }

    /** A session logged in: the upstream answers (a delivery rule's failback counts from the first of a run). */
    void reached() {
        downStreak = false;
        unreachable = false;
        if (!upStreak) {
            upStreak = true;
            upSinceNanos = nanoTime.getAsLong();
        }
    }

    /**
     * A probe of an upstream a delivery rule has failed over from could not log in: it stays down, and the
     * next probe waits until {@code retryAt}.
     */
    void probeFailed(Instant now, String error, Instant retryAt) {
        lastFailure = Optional.of(now);
        lastError = Optional.of(error);
        unreachable = true;
        upStreak = false;
        if (!downStreak) {
            downStreak = true;
            downSinceNanos = nanoTime.getAsLong();
        }
        blockedUntilNanos = nanoTime.getAsLong() + Math.max(1, Duration.between(now, retryAt).toNanos());
    }

    /** How long it has been unreachable without a success in between; 0 when it is not. */
    long downForNanos() {
        return downStreak ? Math.max(1, nanoTime.getAsLong() - downSinceNanos) : 0;
    }

    /** How long it has answered without an upstream-wide failure in between; 0 when it has not. */
    long upForNanos() {
        return upStreak ? Math.max(1, nanoTime.getAsLong() - upSinceNanos) : 0;
    }

    /** A file was parked: it is the upstream's last error too, but the upstream answered, so it is not down. */
    void parked(Instant now, String error) {
        lastFailure = Optional.of(now);
        lastError = Optional.of(error);
        unreachable = false;
    }

    /** New credentials: an upstream backing off after a refused login tries them now. */
    void credentialsChanged() {
        blockedUntilNanos = 0;
    }

    /** The error a previous run of the agent ended with; the state stays unknown until this run meets the upstream. */
    void restoreLastError(String error) {
        lastError = Optional.of(error);
    }

    /** Failures in a row, the one being judged not counted. */
    int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** {@code unknown} (nothing tried yet), {@code down} (unreachable or refusing the login) or {@code up}. */
    String state() {
        return lastSuccess.isEmpty() && lastFailure.isEmpty() ? "unknown" : unreachable ? "down" : "up";
    }

    /** When the upstream-wide backoff ends, on the wall clock that reads {@code now}. */
    Optional<Instant> retryAt(Instant now) {
        return blockedUntilNanos == 0 ? Optional.empty()
                : Optional.of(now.plusNanos(Math.max(0, blockedUntilNanos - nanoTime.getAsLong())));
    }

    Optional<Instant> lastSuccess() {
        return lastSuccess;
    }

    Optional<Instant> lastFailure() {
        return lastFailure;
    }

    Optional<String> lastError() {
        return lastError;
    }
}
