package io.edgesync.agent.ingest;

import io.edgesync.agent.ledger.ReceivedFile;

import java.io.IOException;

/**
 * Takes ownership of a complete upload whose bytes are already durable in the spool. The device gets its
 * 226 only after {@link #accept} returns; if it throws, the device gets 451 and will send the file again.
 */
@FunctionalInterface
public interface UploadSink {
    void accept(ReceivedFile file) throws IOException;
}
