package io.edgesync.agent.ingest;

import io.edgesync.agent.ledger.ReceivedFile;

import java.io.IOException;

/**
 * Takes ownership of complete uploads whose bytes are already durable in the spool. The device gets its
 * 226 (or 250 for a rename) only after {@link #accept} returns; if it throws, the device gets 451 and will
 * send the file again.
 */
public interface UploadSink {
    void accept(ReceivedFile file) throws IOException;

    /**
     * The file at spool {@code path} is gone (the device renamed or deleted it): what was still owed for
     * it will not be delivered. Called after the change is durable on disk.
     */
    void withdraw(String path) throws IOException;

    /** Whether any file under spool {@code folder} is still owed to an upstream. */
    boolean pendingUnder(String folder) throws IOException;
}
