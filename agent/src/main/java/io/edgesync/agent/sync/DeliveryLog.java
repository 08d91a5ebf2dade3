package io.edgesync.agent.sync;

import java.time.Duration;
import java.time.Instant;

/**
 * The log lines of one upstream's deliveries, bounded: the first {@link #ONE_BY_ONE} deliveries of each
 * minute are logged one by one at INFO, the rest at DEBUG, and those are summed up in an INFO line when the
 * backlog is first drained in that minute, and when the minute is over: at most 12 lines a minute. A site that sends a picture every few seconds sees every file
 * in the journal; a backlog of thousands after an outage gives a dozen lines a minute, not one per file.
 * journald drops a service's lines beyond 10,000 per 30 s by default ({@code RateLimitBurst}), warnings
 * included, and a drained backlog reached that in seconds; formatting the lines was also 10% of the
 * agent's CPU while it did (perf, 2,000 small files to vsftpd). Every delivery is an MQTT event and a row
 * of the ledger all the same.
 */
final class DeliveryLog {
    static final int ONE_BY_ONE = 10;
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final System.Logger log;
    private final String upstream;
    private Instant windowStart;  // guarded by this
    private int loud;             // guarded by this; logged at INFO in this window
    private long quietFiles;      // guarded by this; logged at DEBUG, not summed up yet
    private long quietBytes;      // guarded by this
    private Instant quietFirst;   // guarded by this
    private Instant quietLast;    // guarded by this
    private boolean summedUpThisWindow; // guarded by this

    DeliveryLog(System.Logger log, String upstream) {
        this.log = log;
        this.upstream = upstream;
    }

    void delivered(String path, long size, int attempt, Outcome.Delivered ok, Instant now) {
        System.Logger.Level level = count(size, now) ? System.Logger.Level.INFO : System.Logger.Level.DEBUG;
        if (log.isLoggable(level)) {
            log.log(level, "delivered {0} to {1} ({2} bytes, attempt {3}, {4} ms, verified by {5}{6})",
                    path, upstream, size, attempt, ok.took().toMillis(), ok.how().verifiedBy(),
                    ok.how().resumedFrom() > 0 ? ", resumed at byte " + ok.how().resumedFrom() : "");
        }
    }

    /**
     * No file is due any more: the deliveries not logged at INFO yet are summed up now, once per minute at most
     * (devices that keep uploading drain the backlog after every file: a summary at each drain was a line per
     * file again); the rest are summed up when the minute is over, or at {@link #close()}.
     */
    synchronized void drained() {
        sumUp(false);
    }

    /** The worker stops: what is left is summed up. */
    synchronized void close() {
        sumUp(true);
    }

    private void sumUp(boolean force) {
        if (quietFiles == 0 || !force && summedUpThisWindow) {
            return;
        }
        log.log(System.Logger.Level.INFO, "{0}: {1} more files delivered ({2} bytes) from {3} to {4}, logged one by"
                + " one at DEBUG", upstream, quietFiles, quietBytes, quietFirst, quietLast);
        summedUpThisWindow = true;
        quietFiles = 0;
        quietBytes = 0;
        quietFirst = null;
        quietLast = null;
    }

    /** @return whether this delivery is logged at INFO */
    private synchronized boolean count(long size, Instant now) {
        if (windowStart == null || !now.isBefore(windowStart.plus(WINDOW))) {
            sumUp(true);
            summedUpThisWindow = false;
            windowStart = now;
            loud = 0;
        }
        if (loud < ONE_BY_ONE) {
            loud++;
            return true;
        }
        quietFiles++;
        quietBytes += size;
        if (quietFirst == null) {
            quietFirst = now;
        }
        quietLast = now;
        return false;
    }
}
