package io.edgesync.agent.spool;

import io.edgesync.agent.ledger.ReceivedFile;

import java.io.IOException;

/**
 * Takes ownership of complete uploads. An upload is recorded ({@link #record}) after its bytes are durable
 * in a private temporary and before that temporary is renamed into the spool; then it is either
 * {@link #published} (the rename is durable) or {@link #discard}ed (the rename failed). So a failed record
 * leaves the spool as it was (the device gets 451 and sends again), and the device gets its 226 (or 250 for
 * a rename) only after both steps.
 */
public interface UploadSink {
    /**
     * Records a complete upload durably; it is not delivered until {@link #published}.
     *
     * @return its id for the next step
     */
    long record(ReceivedFile file) throws IOException;

    /** The recorded upload is in place in the spool: it may be delivered, older versions of its path not. */
    void published(long id, ReceivedFile file);

    /** The recorded upload never got into place: it is forgotten. */
    void discard(long id) throws IOException;

    /**
     * The file at spool {@code path} is gone (the device renamed or deleted it): what was still owed for
     * it will not be delivered. Called after the change is durable on disk.
     */
    void withdraw(String path) throws IOException;

    /**
     * The files still owed to an upstream (waiting, in flight or parked) at spool {@code path}, or under it
     * when it is a folder, and their bytes: what a device's quota counts.
     */
    Owed owed(String path) throws IOException;

    /** Files, and their bytes, still owed. */
    record Owed(long files, long bytes) {
    }
}
