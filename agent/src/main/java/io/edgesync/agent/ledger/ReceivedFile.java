package io.edgesync.agent.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * A complete upload, as the ledger records it.
 *
 * @param path     location under the spool, '/'-separated, no leading slash (e.g. {@code cam1/2026/a.jpg})
 * @param sha256   lower-case hex digest of the bytes on disk, computed while receiving
 * @param clientIp address of the device's control connection
 * @param stamp    the spool file's inode and modification time, when known (it tells versions apart cheaply)
 */
public record ReceivedFile(String path, long size, String sha256, Instant receivedAt, String user, String clientIp,
                           Optional<SpoolStamp> stamp) {
    public ReceivedFile {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
            throw new IllegalArgumentException("spool path must be relative and '/'-separated: " + path);
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + path);
        }
    }

    /** A file whose on-disk stamp is not known: its version is told by its SHA-256 alone. */
    public ReceivedFile(String path, long size, String sha256, Instant receivedAt, String user, String clientIp) {
        this(path, size, sha256, receivedAt, user, clientIp, Optional.empty());
    }

    public ReceivedFile withStamp(SpoolStamp stamp) {
        return new ReceivedFile(path, size, sha256, receivedAt, user, clientIp, Optional.of(stamp));
    }
}
