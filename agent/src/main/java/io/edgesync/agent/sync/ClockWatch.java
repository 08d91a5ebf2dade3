package io.edgesync.agent.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Notices the wall clock jumping (a board without a real-time clock sets it from NTP, by hours or years): each
 * second the wall clock's advance is compared with the monotonic clock's, and a difference of more than
 * {@link #TOLERANCE} is a jump. Waits are on the monotonic clock anyway; what a jump spoils is the due times
 * stored as wall-clock instants in the ledger, which the listener re-evaluates.
 *
 * <p>Lifecycle: {@link #start()}, {@link #close()}. The listener runs on the watch's own thread.
 */
final class ClockWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClockWatch.class.getName());
    static final Duration TOLERANCE = Duration.ofSeconds(2);
    private static final Duration EVERY = Duration.ofSeconds(1);

    private final Clock clock;
    private final Consumer<Duration> onJump;
    private Thread thread;
    /** Forward jumps of this run: the wall-clock instant after each, and its size. Guarded by itself. */
    private final java.util.Deque<Jump> forward = new java.util.ArrayDeque<>();
    private long wall = Long.MIN_VALUE; // guarded by forward: the last sample, wall clock (ms)
    private long mono;                  // guarded by forward: and monotonic clock (ns)

    private record Jump(Instant after, Duration by) {
    }

    /** @param onJump told the jump: positive forward, negative back */
    ClockWatch(Clock clock, Consumer<Duration> onJump) {
        this.clock = clock;
        this.onJump = onJump;
    }

    void start() {
        sample();
        thread = Thread.ofPlatform().daemon().name("clock-watch").start(this::run);
    }

    private void run() {
        try {
            while (true) {
                Thread.sleep(EVERY);
                sample();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Compares the clocks' advance since the last sample; a jump is noted and told. Every second on the watch's
     * thread, and on demand before an age is judged ({@link #jumpedForwardSince}), so that a jump the watch has
     * yet to see cannot make a file look old.
     */
    private void sample() {
        Duration jump;
        long wallNow;
        synchronized (forward) {
            wallNow = clock.millis();
            long monoNow = System.nanoTime();
            if (wall == Long.MIN_VALUE) {
                wall = wallNow;
                mono = monoNow;
                return;
            }
            jump = Duration.ofMillis(wallNow - wall).minusNanos(monoNow - mono);
            wall = wallNow;
            mono = monoNow;
            if (jump.compareTo(TOLERANCE) > 0) {
                forward.addLast(new Jump(Instant.ofEpochMilli(wallNow), jump));
                if (forward.size() > 100) {
                    forward.removeFirst();
                }
            }
        }
        if (jump.abs().compareTo(TOLERANCE) > 0) {
            LOG.log(System.Logger.Level.WARNING, "the wall clock jumped {0} by {1} s; due times of deliveries"
                    + " are re-evaluated", jump.isNegative() ? "back" : "forward", jump.abs().toSeconds());
            try {
                onJump.accept(jump);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot re-evaluate due times after a clock jump", e);
            }
        }
    }

    /**
     * How much of the time since {@code since} (a wall-clock instant) the wall clock jumped forward in this run:
     * an age measured on the wall clock is that much too long (a file received before NTP set the clock forward
     * by hours is not hours old).
     */
    Duration jumpedForwardSince(Instant since) {
        sample();
        Duration total = Duration.ZERO;
        synchronized (forward) {
            for (Jump j : forward) {
                if (j.after().isAfter(since)) {
                    total = total.plus(j.by());
                }
            }
        }
        return total;
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
