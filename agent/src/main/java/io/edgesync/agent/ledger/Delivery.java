package io.edgesync.agent.ledger;

import java.time.Instant;

/**
 * One claimed (file, upstream) delivery, handed to a sync worker.
 *
 * @param attempt this attempt's number, starting at 1 (counted when claimed, so a crash mid-attempt counts)
 */
public record Delivery(long id, long fileId, String upstream, String path, long size, String sha256, int attempt,
                       Instant receivedAt) {
}
