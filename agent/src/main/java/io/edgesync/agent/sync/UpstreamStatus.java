package io.edgesync.agent.sync;

import java.time.Instant;
import java.util.Optional;

/**
 * One upstream as the sync loop sees it.
 *
 * @param state {@code unknown} (no attempt yet), {@code up} (last attempt reached it), {@code down}
 *              (it cannot be reached or refuses the login; workers wait until {@code retryAt})
 * @param inFlight transfers running now
 */
public record UpstreamStatus(String name, String url, String state, int inFlight, int consecutiveFailures,
                             Optional<Instant> lastSuccess, Optional<Instant> lastFailure, Optional<String> lastError,
                             Optional<Instant> retryAt) {
}
