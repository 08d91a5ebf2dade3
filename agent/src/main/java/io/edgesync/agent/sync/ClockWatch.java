package io.edgesync.agent.sync;

import java.time.Clock;
import java.time.Duration;
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

    /** @param onJump told the jump: positive forward, negative back */
    ClockWatch(Clock clock, Consumer<Duration> onJump) {
        this.clock = clock;
        this.onJump = onJump;
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("clock-watch").start(this::run);
    }

    private void run() {
        long wall = clock.millis();
        long mono = System.nanoTime();
        try {
            while (true) {
                Thread.sleep(EVERY);
                long wallNow = clock.millis();
                long monoNow = System.nanoTime();
                Duration jump = Duration.ofMillis(wallNow - wall).minusNanos(monoNow - mono);
                wall = wallNow;
                mono = monoNow;
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
