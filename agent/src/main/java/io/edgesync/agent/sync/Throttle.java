package io.edgesync.agent.sync;

import java.io.InterruptedIOException;
import java.util.function.LongSupplier;

/**
 * One bandwidth limit shared by the transfers under it (an upstream's workers, or the whole agent's): a
 * virtual-time token bucket on the monotonic clock. Each write reserves its bytes at the limit's rate and
 * sleeps until the link would have carried the bytes reserved before it, less {@link #BURST_NANOS}; so the
 * bytes of all the transfers together go at the limit, and a link left idle may send a tenth of a second's
 * worth at once. Thread-safe; no thread holds the lock while it sleeps.
 */
final class Throttle {
    /** An idle limit lets this much time's worth of bytes go at once. */
    static final long BURST_NANOS = 100_000_000;
    /** Writes under a limit carry at most a twentieth of a second's worth (at least this many bytes). */
    static final long MIN_PIECE = 4_096;

    private final LongSupplier bytesPerSecond;
    private final LongSupplier nanos;
    private long busyUntil; // guarded by this: when the link has carried everything reserved so far

    /** @param bytesPerSecond the limit now (read at each write; 0 = none) */
    Throttle(LongSupplier bytesPerSecond, LongSupplier nanos) {
        this.bytesPerSecond = bytesPerSecond;
        this.nanos = nanos;
    }

    /** The limit now, in bytes a second; 0 = none. */
    long rate() {
        return bytesPerSecond.getAsLong();
    }

    /** How much of {@code want} one write may carry under the limit {@code rate}. */
    static long piece(long want, long rate) {
        return rate <= 0 ? want : Math.max(1, Math.min(want, Math.max(MIN_PIECE, rate / 20)));
    }

    /** Reserves {@code bytes} at the limit and waits, as it needs, until they may go. */
    void acquire(long bytes, long rate) throws InterruptedIOException {
        long wait = reserve(bytes, rate);
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("stopped while waiting for the bandwidth limit");
            }
        }
    }

    /** @return nanoseconds to wait before the bytes may go */
    synchronized long reserve(long bytes, long rate) {
        if (rate <= 0) {
            return 0;
        }
        long now = nanos.getAsLong();
        busyUntil = Math.max(busyUntil, now) + bytes * 1_000_000_000L / rate;
        return busyUntil - now - BURST_NANOS;
    }

    /** Bytes reserved that did not go (the socket took fewer): the link's time for them is given back. */
    synchronized void giveBack(long bytes, long rate) {
        if (rate > 0 && bytes > 0) {
            busyUntil = Math.max(nanos.getAsLong(), busyUntil - bytes * 1_000_000_000L / rate);
        }
    }
}
