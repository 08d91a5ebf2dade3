package io.edgesync.agent.sync;

import io.edgesync.agent.sync.ftp.Uploader;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** How one delivery attempt ended. */
sealed interface Outcome {
    /** Complete and verified under its final name upstream. */
    record Delivered(Duration took, Uploader.Published how) implements Outcome {
    }

    /**
     * Try again at {@code at}; {@code upstreamWide} when the whole upstream is unusable, not only this file;
     * {@code tempWritten} when the attempt got as far as writing the upstream temporary.
     */
    record RetryLater(String reason, String error, Instant at, boolean upstreamWide, Optional<String> tempWritten)
            implements Outcome {
    }

    /** Trying again cannot help until an operator acts (a permanent refusal, or the attempt/age limit). */
    record Parked(String reason, String error, Optional<String> tempWritten) implements Outcome {
    }

    /**
     * Not to be delivered any more: the spool holds a newer version of the path (which has deliveries of its
     * own), or the device deleted the file or renamed it away.
     *
     * @param cause {@code replaced} or {@code deleted}
     */
    record Withdrawn(String cause, Optional<String> tempWritten) implements Outcome {
    }
}
