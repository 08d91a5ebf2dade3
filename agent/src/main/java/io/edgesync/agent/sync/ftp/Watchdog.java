package io.edgesync.agent.sync.ftp;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A deadline for blocking writes, which socket timeouts do not bound: a server that stops reading leaves a
 * write blocked for ever once the socket's buffer is full. {@link #guard} closes the socket when the guarded
 * work has made no progress for the timeout; the blocked write then fails with an {@link IOException}, which
 * {@link Guard#timedOut()} tells apart. One timer thread for the agent's sync (it also tells transfers'
 * progress, {@link #every}); each guard is a scheduled task re-armed lazily (at most four times per timeout),
 * so a fast transfer costs a few task swaps.
 */
public final class Watchdog {
    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sync-watchdog").factory());

    private Watchdog() {
    }

    /** Runs {@code task} every {@code period}, first after one period, on the timer thread, until cancelled. */
    public static ScheduledFuture<?> every(Duration period, Runnable task) {
        return TIMER.scheduleAtFixedRate(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Guards writes to {@code target} until the guard is closed; no progress for {@code timeout} closes it. */
    static Guard guard(Closeable target, Duration timeout) {
        return new Guard(target, timeout);
    }

    /** One guarded piece of work. Not thread-safe: used by the thread that writes. */
    static final class Guard implements AutoCloseable {
        private final Closeable target;
        private final long timeoutNanos;
        private volatile boolean fired;
        private ScheduledFuture<?> alarm;
        private long armedAt;

        private Guard(Closeable target, Duration timeout) {
            this.target = target;
            this.timeoutNanos = timeout.toNanos();
            arm();
        }

        private void arm() {
            armedAt = System.nanoTime();
            alarm = TIMER.schedule(this::fire, timeoutNanos, TimeUnit.NANOSECONDS);
        }

        private void fire() {
            fired = true;
            try {
                target.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a stalled connection: {0}", e.toString());
            }
        }

        /** The work moved on: the deadline is pushed back (cheaply: only once a quarter of it has passed). */
        void progressed() {
            if (System.nanoTime() - armedAt > timeoutNanos / 4) {
                alarm.cancel(false);
                arm();
            }
        }

        /** Whether the deadline passed and the socket was closed because of it. */
        boolean timedOut() {
            return fired;
        }

        @Override
        public void close() {
            alarm.cancel(false);
        }
    }
}
