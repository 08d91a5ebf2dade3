package io.edgesync.agent.ledger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Keeps the ledger's size bounded: the rows of files the spool no longer holds (delivered and deleted by
 * retention, withdrawn by their device, or replaced by a newer upload) and that nothing is owed for are
 * forgotten once older than {@code ledger.history-keep}, in batches of {@value #BATCH} (one short relaxed write
 * each, so that ingest never waits long behind it), and the freed pages go back to the file system
 * (incremental vacuum). Runs a minute after start and then every {@link #EVERY}. What the status counts over
 * all time (files received, delivered per upstream) is kept in the ledger's totals, not in the rows.
 *
 * <p>Lifecycle: {@link #start()}, {@link #close()}; one thread, on the monotonic clock.
 */
public final class HistoryPruner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HistoryPruner.class.getName());
    static final int BATCH = 500;
    static final Duration EVERY = Duration.ofHours(1);
    private static final Duration FIRST = Duration.ofMinutes(1);
    /** Pages given back per vacuum step (4 MiB of 4 KiB pages): short steps between other writes. */
    private static final int VACUUM_PAGES = 1024;

    private final Ledger ledger;
    private final Duration keep;
    private final Clock clock;
    private Thread thread;

    public HistoryPruner(Ledger ledger, Duration keep, Clock clock) {
        this.ledger = ledger;
        this.keep = keep;
        this.clock = clock;
    }

    public void start() {
        thread = Thread.ofPlatform().daemon().name("ledger-prune").start(() -> {
            try {
                Thread.sleep(FIRST);
                while (true) {
                    prune();
                    Thread.sleep(EVERY);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * One pass: every prunable row, in batches, then the free pages given back.
     *
     * @return how many files were forgotten
     */
    public long prune() throws InterruptedException {
        Instant before = clock.instant().minus(keep);
        long forgotten = 0;
        try {
            for (int n; (n = ledger.history().pruneHistory(before, BATCH)) > 0; ) {
                forgotten += n;
                Thread.sleep(10); // room for ingest's commits between batches
            }
            for (long free = ledger.history().freePages(); free > 0; free -= VACUUM_PAGES) {
                ledger.history().vacuum(VACUUM_PAGES);
            }
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "ledger history: cannot prune now ({0}); next try in {1}",
                    e.getMessage(), EVERY);
        }
        if (forgotten > 0) {
            LOG.log(System.Logger.Level.INFO, "ledger history: {0} file(s) received before {1} forgotten"
                    + " (ledger.history-keep {2})", forgotten, before, keep);
        }
        return forgotten;
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
