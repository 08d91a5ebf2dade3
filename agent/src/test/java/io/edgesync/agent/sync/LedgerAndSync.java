package io.edgesync.agent.sync;

import io.edgesync.agent.ledger.Ledger;
import org.junit.jupiter.api.AfterEach;

import java.time.Duration;

/**
 * What the sync tests start, a real ledger and the sync service over it, stopped after each test: the
 * service first (its workers may still write), then the ledger. A test assigns the fields as it opens them.
 */
abstract class LedgerAndSync {
    protected Ledger ledger;
    protected SyncService sync;

    @AfterEach
    final void stopSyncThenLedger() throws Exception {
        if (sync != null) {
            sync.stop(Duration.ofSeconds(2));
        }
        if (ledger != null) {
            ledger.close();
        }
    }
}
