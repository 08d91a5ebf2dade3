package io.edgesync.agent.ledger;

import java.io.IOException;

/** The ledger could not read or commit; nothing was changed by the failed call. */
public sealed class LedgerException extends IOException permits NewerLedgerException {
    public LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
