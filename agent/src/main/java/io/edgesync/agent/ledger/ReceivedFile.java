package io.edgesync.agent.ledger;

import java.time.Instant;

/**
 * A complete upload, as the ledger records it.
 *
 * @param path     location under the spool, '/'-separated, no leading slash (e.g. {@code cam1/2026/a.jpg})
 * @param sha256   lower-case hex digest of the bytes on disk, computed while receiving
 * @param clientIp address of the device's control connection
 */
public record ReceivedFile(String path, long size, String sha256, Instant receivedAt, String user, String clientIp) {
    public ReceivedFile {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
            throw new IllegalArgumentException("spool path must be relative and '/'-separated: " + path);
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + path);
        }
    }
}
