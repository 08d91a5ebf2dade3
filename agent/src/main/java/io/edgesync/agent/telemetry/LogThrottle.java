package io.edgesync.agent.telemetry;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One log line per key (a client address, a topic) per interval, however often the thing it reports happens:
 * a flood from the network must not become a flood in the journal. The next line that gets through says how
 * many were left out. At most {@value #MAX_KEYS} keys are remembered (windows that ended are forgotten when it is
 * full; past that a flood of fresh keys shares one line per interval). Times are on the monotonic clock. Thread-safe.
 */
public final class LogThrottle {
    static final int MAX_KEYS = 1024;
    private static final String OVERFLOW = "\u0000overflow";

    private record Window(long started, long suppressed) {
    }

    private final System.Logger log;
    private final long intervalNanos;
    private final Map<String, Window> windows = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > MAX_KEYS + 1; // the overflow window comes on top
        }
    };

    private final LongSupplier nanoTime;

    public LogThrottle(System.Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock, {@link System#nanoTime} but in tests */
    LogThrottle(System.Logger log, Duration interval, LongSupplier nanoTime) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Logs {@code message} unless a line for {@code key} went out less than an interval ago.
     *
     * @return whether it was logged
     */
    public boolean log(String key, System.Logger.Level level, Supplier<String> message) {
        if (!log.isLoggable(level)) {
            return false;
        }
        long now = nanoTime.getAsLong();
        long suppressed;
        synchronized (windows) {
            Window w = windows.get(key);
            if (w == null && windows.size() >= MAX_KEYS) {
                windows.values().removeIf(old -> now - old.started() >= intervalNanos);
            }
            if (w == null && windows.size() >= MAX_KEYS) {
                key = OVERFLOW; // a flood of fresh keys must not push out the windows of those already seen
                w = windows.get(key);
            }
            if (w != null && now - w.started() < intervalNanos) {
                windows.put(key, new Window(w.started(), w.suppressed() + 1));
                return false;
            }
            suppressed = w == null ? 0 : w.suppressed();
            windows.put(key, new Window(now, 0));
        }
        log.log(level, suppressed == 0 ? message.get()
                : message.get() + " (" + suppressed + " more like it in the last interval, not logged)");
        return true;
    }
}
