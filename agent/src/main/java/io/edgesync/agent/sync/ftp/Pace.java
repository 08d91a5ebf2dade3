package io.edgesync.agent.sync.ftp;

import java.io.InterruptedIOException;

/**
 * How fast a transfer's bytes may go, and where they are counted: the bandwidth limits it shares with the
 * other transfers and the data budget it spends ({@code io.edgesync.agent.sync.LinkPace}). The data path asks
 * before each write and tells what the write took.
 */
public interface Pace {
    /** No limit, nothing counted: every write as large as it can be. */
    Pace NONE = new Pace() {
        @Override
        public long take(long want) {
            return want;
        }

        @Override
        public void sent(long taken, long written) {
        }
    };

    /**
     * Waits until some bytes may go, as the limits allow.
     *
     * @return how many, 1 to {@code want}: all of them when nothing limits
     * @throws InterruptedIOException when the worker is stopped while waiting
     */
    long take(long want) throws InterruptedIOException;

    /** A write took {@code written} of the {@code taken} bytes allowed: the rest are given back. */
    void sent(long taken, long written);
}
