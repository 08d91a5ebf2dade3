package io.edgesync.agent.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * What one upstream still owes, as of one ledger read.
 *
 * @param pending deliveries waiting or in flight
 * @param oldestPending when the oldest file still pending for this upstream was received
 */
public record Backlog(long pending, long parked, long delivered, Optional<Instant> oldestPending) {
}
