package io.edgesync.agent.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The ledger forgets old history the spool no longer holds, keeps what is owed, and shrinks back. */
class HistoryPrunerTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant OLD = NOW.minus(Duration.ofDays(40));

    @TempDir
    Path dir;
    private Ledger ledger;

    @BeforeEach
    void open() throws LedgerException {
        ledger = Ledger.open(dir.resolve("ledger.db"));
    }

    @AfterEach
    void close() throws LedgerException {
        ledger.close();
    }

    private long record(String path, Instant at) throws LedgerException {
        return ledger.intake().recordReceived(new ReceivedFile(path, 1000, "ab".repeat(32), at, "cam", "10.0.0.5"), List.of("hq"));
    }

    private void deliver(Instant at) throws LedgerException {
        Delivery d = ledger.deliveries().claimNext("hq", at).orElseThrow();
        ledger.deliveries().delivered(d.id(), at, Duration.ofMillis(5));
    }

    @Test
    void oldHistoryTheSpoolNoLongerHoldsIsForgottenAndWhatIsOwedOrKeptStays() throws Exception {
        long deleted = record("cam/deleted.jpg", OLD);
        deliver(OLD);
        ledger.deletions().spoolDeleted(deleted, OLD);          // retention deleted its copy: history only
        record("cam/replaced.jpg", OLD);
        deliver(OLD);
        record("cam/replaced.jpg", OLD.plusSeconds(1)); // a newer version: the old one is history, the new one owed
        record("cam/kept.jpg", OLD);                // delivered, still in the spool (until-floor): kept
        record("cam/recent.jpg", NOW.minus(Duration.ofDays(1)));
        record("cam/withdrawn.jpg", OLD);
        ledger.intake().withdraw("cam/withdrawn.jpg", OLD);
        assertThat(ledger.reports().received().files()).isEqualTo(6);

        long forgotten = new HistoryPruner(ledger, Duration.ofDays(30), Clock.fixed(NOW, ZoneOffset.UTC)).prune();

        assertThat(forgotten).as("the deleted, the replaced and the withdrawn").isEqualTo(3);
        assertThat(ledger.intake().currentVersion("cam/kept.jpg")).isPresent();
        assertThat(ledger.intake().currentVersion("cam/replaced.jpg")).isPresent();
        assertThat(ledger.intake().currentVersion("cam/recent.jpg")).isPresent();
        assertThat(ledger.reports().received().files()).as("totals outlive the rows").isEqualTo(6);
        assertThat(ledger.reports().backlog("hq").delivered()).isEqualTo(2);
    }

    @Test
    void aLedgerGrownAndPrunedShrinksBack() throws Exception {
        for (int i = 0; i < 3000; i++) {
            long id = record("cam/f" + i + ".jpg", OLD.plusMillis(i));
            deliver(OLD.plusMillis(i));
            ledger.deletions().spoolDeleted(id, OLD.plusMillis(i));
        }
        long grown = Files.size(dir.resolve("ledger.db")) + walSize();
        new HistoryPruner(ledger, Duration.ofDays(30), Clock.fixed(NOW, ZoneOffset.UTC)).prune();
        ledger.close();
        ledger = Ledger.open(dir.resolve("ledger.db")); // checkpoints the WAL into the file
        long pruned = Files.size(dir.resolve("ledger.db"));
        assertThat(pruned).as("file after pruning, against %d grown", grown).isLessThan(grown / 3);
        assertThat(ledger.reports().recentTransfers(Optional.empty(), 0, 10)).isEmpty();
    }

    private long walSize() throws Exception {
        Path wal = dir.resolve("ledger.db-wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }
}
