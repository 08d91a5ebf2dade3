package io.edgesync.agent.sync;

import java.time.Duration;
import java.time.Instant;

/** How one delivery attempt ended. */
sealed interface Outcome {
    /** Complete and verified under its final name upstream. */
    record Delivered(Duration took) implements Outcome {
    }

    /** Try again at {@code at}; {@code upstreamWide} when the whole upstream is unusable, not only this file. */
    record RetryLater(UpstreamException.Reason reason, String error, Instant at, boolean upstreamWide)
            implements Outcome {
    }

    /** Trying again cannot help until an operator acts. */
    record Parked(UpstreamException.Reason reason, String error) implements Outcome {
    }

    /** The spool holds a newer version of the path, which has deliveries of its own. */
    record Superseded() implements Outcome {
    }
}
