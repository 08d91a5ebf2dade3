package io.edgesync.agent.ledger;

/**
 * The ledger was written by a newer edgesync (a downgrade): its schema is beyond what this one knows. Nothing
 * was changed: the file was opened read-only to find out. Restarting cannot help, so the agent exits with its
 * own code, which the unit does not restart.
 */
public final class NewerLedgerException extends LedgerException {
    public NewerLedgerException(String message) {
        super(message, null);
    }
}
