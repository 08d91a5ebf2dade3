package io.edgesync.agent.sync;

/**
 * Which claims may take a large file: files from {@code sync.resume-threshold} on are large, and at most
 * {@code workers - 1} of them go to one upstream at once (any number with a single worker), so small files (a
 * camera's pictures) keep flowing beside a backlog of videos. A pure policy; not thread-safe:
 * {@link UpstreamSync} calls it holding its lock.
 */
final class LargeFileAdmission {
    private final int workers;
    private final long largeFrom;
    private int largeInFlight;

    /** @param resumeThreshold {@code sync.resume-threshold}; 0: no file is large */
    LargeFileAdmission(int workers, long resumeThreshold) {
        this.workers = workers;
        this.largeFrom = resumeThreshold > 0 ? resumeThreshold : Long.MAX_VALUE;
    }

    /** Files of this size and more are large. */
    long largeFrom() {
        return largeFrom;
    }

    /** Takes one of the large-file places if one is free; give it back with {@link #release()}. */
    boolean reserve() {
        if (workers > 1 && largeInFlight >= workers - 1) {
            return false;
        }
        largeInFlight++;
        return true;
    }

    void release() {
        largeInFlight--;
    }

    int largeInFlight() {
        return largeInFlight;
    }
}
