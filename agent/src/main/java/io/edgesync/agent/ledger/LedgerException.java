package io.edgesync.agent.ledger;

import java.io.IOException;

/** The ledger could not read or commit; nothing was changed by the failed call. */
public final class LedgerException extends IOException {
    public LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
