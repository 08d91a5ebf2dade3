package io.edgesync.agent.sync;

import io.edgesync.agent.ledger.Delivery;
import io.edgesync.agent.sync.ftp.Watchdog;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

/**
 * One transfer in flight: the bytes written so far (told by the transfer), its speed for the status, and a
 * {@code progress} event every {@link #PROGRESS_EVERY} until {@link #finish()}. Thread-safe: the transfer
 * writes, the status and the timer read.
 */
final class Running {
    /** A transfer in flight tells its progress this often (from its start), until it ends. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    private final String upstream;
    private final EventSink events;
    private final Clock clock;
    private final Delivery delivery;
    private final Instant startedAt;
    private final long startNanos = System.nanoTime();
    private volatile long done = -1;   // bytes of the file written to the data connection; -1 until it begins
    private volatile long firstByte;  // where this attempt began (a resume starts above 0)
    private final ScheduledFuture<?> ticker;
    private boolean finished;          // guarded by this

    Running(Delivery delivery, Instant startedAt, String upstream, EventSink events, Clock clock) {
        this.upstream = upstream;
        this.events = events;
        this.clock = clock;
        this.delivery = delivery;
        this.startedAt = startedAt;
        this.ticker = Watchdog.every(PROGRESS_EVERY, this::tell);
    }

    /** Called by the transfer after each write the data connection took. */
    void progressed(long bytes) {
        if (done < 0) {
            firstByte = bytes;
        }
        done = bytes;
    }

    /** Every {@link #PROGRESS_EVERY} while the transfer runs: an event with where it stands. */
    private synchronized void tell() {
        if (finished || done < 0) {
            return;
        }
        UpstreamStatus.TransferProgress p = progress();
        events.publish(new AgentEvent.Progress(delivery.path(), upstream, p.bytesDone(), p.bytesTotal(),
                p.bytesPerSecond(), clock.instant()));
    }

    /** No progress event after this returns: the outcome's event comes after. */
    synchronized void finish() {
        finished = true;
        ticker.cancel(false);
    }

    UpstreamStatus.TransferProgress progress() {
        long bytes = Math.max(0, done);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long speed = seconds > 0 ? (long) ((bytes - firstByte) / seconds) : 0;
        return new UpstreamStatus.TransferProgress(delivery.id(), delivery.path(), bytes, delivery.size(),
                Math.max(0, speed), startedAt);
    }
}
