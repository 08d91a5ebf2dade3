package io.edgesync.agent.ingest;

import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SpoolReconcilerTest {
    @TempDir
    Path data;

    @Test
    void filesTheLedgerDoesNotKnowGoToQuarantineAndAreNeverDelivered() throws Exception {
        Path spool = data.resolve("spool");
        Files.createDirectories(spool.resolve("cam/sub"));
        Files.write(spool.resolve("cam/known.jpg"), new byte[10]);
        Files.write(spool.resolve("cam/sub/stray.jpg"), new byte[5]);
        Files.write(spool.resolve("cam/changed.jpg"), new byte[7]);
        Files.write(spool.resolve("cam/writing.tmp"), new byte[3]);
        try (Ledger ledger = Ledger.open(data.resolve("ledger.db"))) {
            ledger.recordReceived(new ReceivedFile("cam/known.jpg", 10, "00".repeat(32), Instant.now(), "cam", "x"),
                    List.of("hq"));
            ledger.recordReceived(new ReceivedFile("cam/changed.jpg", 6, "00".repeat(32), Instant.now(), "cam", "x"),
                    List.of("hq"));

            List<String> moved = new SpoolReconciler(spool, data.resolve("quarantine"), ledger, List.of("*.tmp"),
                    Clock.systemUTC()).reconcile();

            assertThat(moved).containsExactlyInAnyOrder("cam/sub/stray.jpg", "cam/changed.jpg");
            assertThat(spool.resolve("cam/known.jpg")).exists();
            assertThat(spool.resolve("cam/writing.tmp")).as("device temporaries stay").exists();
            assertThat(spool.resolve("cam/sub/stray.jpg")).doesNotExist();
            try (Stream<Path> q = Files.walk(data.resolve("quarantine"))) {
                assertThat(q.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("stray.jpg", "changed.jpg");
            }
        }
    }
}
