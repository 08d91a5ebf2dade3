package io.edgesync.agent.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * One claimed (file, upstream) delivery, handed to a sync worker.
 *
 * @param attempt this attempt's number, starting at 1 (counted when claimed, so a crash mid-attempt counts)
 * @param tempPath the upstream temporary an earlier attempt started writing, if any: only such a
 *                 temporary may be resumed
 * @param stamp the spool file's version as recorded at ingest, if known: a delivery sends only that version
 * @param priority its rank ({@code sync.priorities}; 0 when none matches)
 * @param exempt it goes even when the upstream's budget is spent ({@code budget-exempt})
 * @param remotePath where it goes under the upstream's folder, when a path template made it other than its
 *                   spool path
 */
public record Delivery(long id, long fileId, String upstream, String path, long size, String sha256, int attempt,
                       Instant receivedAt, Optional<String> tempPath, Optional<SpoolStamp> stamp, int priority,
                       boolean exempt, Optional<String> remotePath) {

    public Delivery(long id, long fileId, String upstream, String path, long size, String sha256, int attempt,
                    Instant receivedAt, Optional<String> tempPath, Optional<SpoolStamp> stamp, int priority,
                    boolean exempt) {
        this(id, fileId, upstream, path, size, sha256, attempt, receivedAt, tempPath, stamp, priority, exempt,
                Optional.empty());
    }

    /** Its path under the upstream's folder. */
    public String upstreamPath() {
        return remotePath.orElse(path);
    }

    /** Of priority 0, within the budget. */
    public Delivery(long id, long fileId, String upstream, String path, long size, String sha256, int attempt,
                    Instant receivedAt, Optional<String> tempPath, Optional<SpoolStamp> stamp) {
        this(id, fileId, upstream, path, size, sha256, attempt, receivedAt, tempPath, stamp, 0, false);
    }
}
