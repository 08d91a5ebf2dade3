package io.edgesync.agent.spool;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Orders the two writers of spool paths: ingest (a new version renamed into place, then recorded) and
 * {@link Retention} (an old version checked deletable, then deleted). Without it, retention could check an
 * old record, ingest publish a new file at the same path, and retention delete that acknowledged file.
 * Held only for the rename + commit, or the check + delete of one file.
 *
 * <p>Striped by path, so uploads of different files publish in parallel (and their ledger commits can be
 * grouped): one global lock made every upload wait for the others' fsyncs. A folder rename, which moves
 * every path under it, takes all stripes at once ({@link #lockedAll}).
 */
public final class SpoolLock {
    private static final int STRIPES = 64;
    private final ReentrantReadWriteLock all = new ReentrantReadWriteLock();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    public SpoolLock() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** Runs {@code step} holding the lock of each spool path given (taken in a fixed order: no deadlock). */
    public <T, E extends Exception> T locked(Step<T, E> step, String... paths) throws E {
        int[] order = Arrays.stream(paths).mapToInt(p -> Math.floorMod(p.hashCode(), STRIPES)).distinct().sorted()
                .toArray();
        all.readLock().lock();
        try {
            for (int i : order) {
                stripes[i].lock();
            }
            try {
                return step.run();
            } finally {
                for (int i = order.length - 1; i >= 0; i--) {
                    stripes[order[i]].unlock();
                }
            }
        } finally {
            all.readLock().unlock();
        }
    }

    /** Runs {@code step} while no single-path step runs (a folder rename). */
    public <T, E extends Exception> T lockedAll(Step<T, E> step) throws E {
        all.writeLock().lock();
        try {
            return step.run();
        } finally {
            all.writeLock().unlock();
        }
    }

    @FunctionalInterface
    public interface Step<T, E extends Exception> {
        T run() throws E;
    }
}
