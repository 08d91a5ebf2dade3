package io.edgesync.agent.ingest;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * The large buffers uploads are received through, reused: allocated per upload, with the unit's small heap
 * the buffers of uploads still running were promoted and the old generation grew with dead buffers towards
 * {@code -Xmx} (figures: docs/benchmarks.md, lab notes).
 * At most {@value #KEPT} are kept (4 MiB); more concurrent uploads allocate and drop theirs. Thread-safe.
 */
final class ReceiveBuffers {
    static final int SIZE = 256 * 1024;
    private static final int KEPT = 16;
    private static final ArrayBlockingQueue<byte[]> FREE = new ArrayBlockingQueue<>(KEPT);

    private ReceiveBuffers() {
    }

    /** A buffer of {@value #SIZE} bytes; its content is undefined. */
    static byte[] take() {
        byte[] buf = FREE.poll();
        return buf != null ? buf : new byte[SIZE];
    }

    /** Returns a buffer taken here; the caller must not use it afterwards. */
    static void give(byte[] buf) {
        FREE.offer(buf);
    }
}
