package io.edgesync.agent.ingest;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Orders the two writers of spool paths: ingest (a new version renamed into place, then recorded) and
 * {@link Retention} (an old version checked deletable, then deleted). Without it, retention could check an
 * old record, ingest publish a new file at the same path, and retention delete that acknowledged file.
 * Held only for the rename + commit, or the check + delete of one file.
 */
public final class SpoolLock {
    private final ReentrantLock lock = new ReentrantLock();

    /** Runs {@code step} holding the lock. */
    <T, E extends Exception> T locked(Step<T, E> step) throws E {
        lock.lock();
        try {
            return step.run();
        } finally {
            lock.unlock();
        }
    }

    @FunctionalInterface
    interface Step<T, E extends Exception> {
        T run() throws E;
    }
}
