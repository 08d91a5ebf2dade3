package io.edgesync.agent.sync;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One upstream as the sync loop sees it.
 *
 * @param state {@code unknown} (no attempt yet), {@code up} (last attempt reached it), {@code down}
 *              (it cannot be reached or refuses the login; workers wait until {@code retryAt})
 * @param paused an operator paused it: no new transfer starts until resumed
 * @param inFlight transfers running now
 * @param transfers the transfers running now, with their progress
 * @param bandwidth its bandwidth limit now
 * @param budget its data budget's periods (none without a budget)
 * @param files how its files are placed: the path template, and how the last file's time and mode were set
 */
public record UpstreamStatus(String name, String url, String state, boolean paused, int inFlight,
                             int consecutiveFailures, Optional<Instant> lastSuccess, Optional<Instant> lastFailure,
                             Optional<String> lastError, Optional<Instant> retryAt, List<TransferProgress> transfers,
                             BandwidthState bandwidth, List<BudgetState> budget, Files files) {

    public UpstreamStatus {
        transfers = List.copyOf(transfers);
        budget = List.copyOf(budget);
    }

    /**
     * How an upstream's files are placed.
     *
     * @param path the template of their path under its folder ({@code {path}}: the spool path)
     * @param fileTimes how the last file's time was set (MFMT, SITE UTIME, MDTM), or why not ({@code off},
     *                  {@code not offered}, {@code refused: <reply>}); null before the first file
     * @param chmod the mode set on the last file, or its refusal; null when no mode is set or before the first file
     */
    public record Files(String path, String fileTimes, String chmod) {
    }

    /**
     * A transfer in flight.
     *
     * @param bytesDone bytes of the file upstream so far (a resumed transfer starts above 0)
     * @param bytesPerSecond what this attempt sent, over its time so far
     */
    public record TransferProgress(long deliveryId, String path, long bytesDone, long bytesTotal,
                                   long bytesPerSecond, Instant startedAt) {
    }
}
