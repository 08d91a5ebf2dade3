package io.edgesync.agent.spool;

import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.ledger.SpoolStamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
            ledger.intake().recordReceived(new ReceivedFile("cam/known.jpg", 10, "00".repeat(32), Instant.now(), "cam", "x"),
                    List.of("hq"));
            ledger.intake().recordReceived(new ReceivedFile("cam/changed.jpg", 6, "00".repeat(32), Instant.now(), "cam", "x"),
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

    private static ReceivedFile version(Path spool, String path, byte[] body) throws Exception {
        Path file = spool.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, body);
        return new ReceivedFile(path, body.length, SpoolWriter.sha256Of(file), Instant.now(), "cam", "x")
                .withStamp(SpoolStamp.read(file));
    }

    private static byte[] bytes(int size, int seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aFileOfTheRecordedSizeWithOtherBytesGoesToQuarantine() throws Exception {
        Path spool = data.resolve("spool");
        try (Ledger ledger = Ledger.open(data.resolve("ledger.db"))) {
            ledger.intake().recordReceived(version(spool, "cam/a.jpg", bytes(5000, 1)), List.of("hq"));
            Path replaced = spool.resolve("cam/.replacing");
            Files.write(replaced, bytes(5000, 2)); // the same size, never acknowledged
            Files.move(replaced, spool.resolve("cam/a.jpg"), StandardCopyOption.REPLACE_EXISTING);

            List<String> moved = new SpoolReconciler(spool, data.resolve("quarantine"), ledger, List.of(),
                    Clock.systemUTC()).reconcile();

            assertThat(moved).containsExactly("cam/a.jpg");
        }
    }

    @Test
    void anUploadRecordedButNotRenamedBeforeACrashIsForgottenAndTheAcknowledgedVersionStays() throws Exception {
        Path spool = data.resolve("spool");
        try (Ledger ledger = Ledger.open(data.resolve("ledger.db"))) {
            ReceivedFile v1 = version(spool, "cam/a.jpg", bytes(5000, 1));
            ledger.intake().recordReceived(v1, List.of("hq"));
            Path temp = data.resolve("incoming-v2");
            Files.write(temp, bytes(5000, 2));
            ledger.intake().recordUnpublished(new ReceivedFile("cam/a.jpg", 5000, SpoolWriter.sha256Of(temp), Instant.now(),
                    "cam", "x").withStamp(SpoolStamp.read(temp)), List.of("hq")); // the crash comes before the rename

            List<String> moved = new SpoolReconciler(spool, data.resolve("quarantine"), ledger, List.of(),
                    Clock.systemUTC()).reconcile();

            assertThat(moved).isEmpty();
            assertThat(ledger.intake().unpublished()).isEmpty();
            assertThat(ledger.intake().currentVersion("cam/a.jpg")).get().satisfies(v -> assertThat(v.sha256()).isEqualTo(v1.sha256()));
            assertThat(ledger.reports().backlog("hq").pending()).as("v1 is still owed, v2 never was").isEqualTo(1);
        }
    }

    @Test
    void anUploadRenamedBeforeACrashButNotMarkedIsPublishedAtStart() throws Exception {
        Path spool = data.resolve("spool");
        try (Ledger ledger = Ledger.open(data.resolve("ledger.db"))) {
            ledger.intake().recordReceived(version(spool, "cam/a.jpg", bytes(5000, 1)), List.of("hq"));
            ReceivedFile v2 = version(spool, "cam/a.jpg", bytes(6000, 2)); // renamed in; the mark was lost
            ledger.intake().recordUnpublished(v2, List.of("hq"));

            List<String> moved = new SpoolReconciler(spool, data.resolve("quarantine"), ledger, List.of(),
                    Clock.systemUTC()).reconcile();

            assertThat(moved).isEmpty();
            assertThat(ledger.intake().unpublished()).isEmpty();
            assertThat(ledger.intake().currentVersion("cam/a.jpg")).get().satisfies(v -> assertThat(v.sha256()).isEqualTo(v2.sha256()));
            assertThat(ledger.reports().backlog("hq").pending()).as("v2 owed, v1 superseded").isEqualTo(1);
        }
    }
}
