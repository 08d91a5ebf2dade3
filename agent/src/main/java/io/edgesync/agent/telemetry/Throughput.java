package io.edgesync.agent.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Bytes received from devices and delivered upstream, per minute over the last hour, for the board's page
 * plot: minute buckets on the monotonic clock (a stepped wall clock neither loses nor doubles a minute), the
 * wall clock only naming them. Thread-safe; 120 longs.
 */
public final class Throughput implements EventSink {
    public static final int MINUTES = 60;
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    private final LongSupplier nanoTime;
    private final long[] received = new long[MINUTES];
    private final long[] delivered = new long[MINUTES];
    private long newestMinute; // guarded by this: the bucket index time of the newest written bucket

    public Throughput() {
        this(System::nanoTime);
    }

    Throughput(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.newestMinute = Math.floorDiv(nanoTime.getAsLong(), MINUTE);
    }

    /** One minute: when it began, and the bytes of that minute. */
    public record Minute(String at, long receivedBytes, long deliveredBytes) {
    }

    @Override
    public void publish(AgentEvent event) {
        switch (event) {
            case AgentEvent.FileReceived r -> add(received, r.size());
            case AgentEvent.FileDelivered d -> add(delivered, d.size());
            default -> { }
        }
    }

    private synchronized void add(long[] series, long bytes) {
        long minute = advance();
        series[Math.floorMod(minute, MINUTES)] += bytes;
    }

    /** Moves to the current minute, clearing the buckets of the minutes passed since. */
    private long advance() {
        long now = Math.floorDiv(nanoTime.getAsLong(), MINUTE);
        for (long m = newestMinute + 1; m <= now && m <= newestMinute + MINUTES; m++) {
            received[Math.floorMod(m, MINUTES)] = 0;
            delivered[Math.floorMod(m, MINUTES)] = 0;
        }
        newestMinute = Math.max(newestMinute, now);
        return newestMinute;
    }

    /** The last hour, oldest minute first, the current (partial) minute last; {@code now} names them. */
    public synchronized List<Minute> lastHour(Instant now) {
        long current = advance();
        long intoMinute = Math.floorMod(nanoTime.getAsLong(), MINUTE);
        Instant currentStart = now.minusNanos(intoMinute);
        List<Minute> out = new ArrayList<>(MINUTES);
        for (int back = MINUTES - 1; back >= 0; back--) {
            int i = Math.floorMod(current - back, MINUTES);
            out.add(new Minute(currentStart.minus(Duration.ofMinutes(back)).toString(), received[i], delivered[i]));
        }
        return out;
    }
}
