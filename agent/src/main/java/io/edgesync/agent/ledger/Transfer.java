package io.edgesync.agent.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** A finished delivery (delivered or parked), for the status API's history. */
public record Transfer(long deliveryId, String path, String upstream, long size, DeliveryStatus state, int attempts,
                       Instant at, Optional<Duration> took, Optional<String> lastError, long fileId) {
}
