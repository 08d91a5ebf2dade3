package io.edgesync.agent.spool;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Delivery;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.telemetry.AgentEvent;
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
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Retention on real files and a real ledger; only delivered files ever go. */
class RetentionTest {
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @TempDir
    Path data;
    private Ledger ledger;
    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        ledger = Ledger.open(data.resolve("ledger.db"));
    }

    @AfterEach
    void close() throws Exception {
        ledger.close();
    }

    /**
     * Each spool file's size: against the free space of a file system other processes write to as well, a
     * floor half a file above what is free stays a shortfall of one file while a few blocks come and go.
     */
    private static final int FILE = 2 << 20;

    /** Three files, a day apart; the first two delivered, the third still owed. */
    private void spool() throws Exception {
        for (int i = 0; i < 3; i++) {
            Path f = data.resolve("spool/cam/f" + i);
            Files.createDirectories(f.getParent());
            Files.write(f, new byte[FILE]);
            ledger.intake().recordReceived(new ReceivedFile("cam/f" + i, FILE, "00".repeat(32), T0.plus(Duration.ofDays(i)),
                    "cam", "127.0.0.1"), List.of("hq"));
        }
        for (int i = 0; i < 2; i++) {
            Delivery d = ledger.deliveries().claimNext("hq", T0.plus(Duration.ofDays(3))).orElseThrow();
            ledger.deliveries().delivered(d.id(), T0.plus(Duration.ofDays(3)), Duration.ZERO);
        }
    }

    private Retention retention(String policy, Duration keep, long floorBytes, Instant now) {
        return new Retention(new AgentConfig.Retention(policy, keep),
                new DiskSpace(data, new AgentConfig.Disk(floorBytes, 0)), new SpoolLock(), ledger,
                data.resolve("spool"), events::add, Clock.fixed(now, ZoneOffset.UTC));
    }

    private boolean present(int i) {
        return Files.exists(data.resolve("spool/cam/f" + i));
    }

    @Test
    void deleteRemovesEveryDeliveredFileAndNothingElse() throws Exception {
        spool();
        assertThat(retention("delete", Duration.ZERO, 0, T0.plus(Duration.ofDays(4))).sweep()).isEqualTo(2);
        assertThat(present(0)).isFalse();
        assertThat(present(1)).isFalse();
        assertThat(present(2)).as("still owed upstream").isTrue();
        assertThat(events).hasSize(2).allSatisfy(e -> assertThat(e).isInstanceOf(AgentEvent.SpoolDeleted.class));
    }

    @Test
    void keepDaysWaitsForTheAge() throws Exception {
        spool();
        assertThat(retention("keep-days", Duration.ofDays(2), 0, T0.plus(Duration.ofDays(2)).plusSeconds(1)).sweep())
                .isEqualTo(1);
        assertThat(present(0)).isFalse();
        assertThat(present(1)).as("received a day later: kept").isTrue();
    }

    @Test
    void untilFloorDeletesOldestFirstOnlyAsMuchAsTheFloorNeeds() throws Exception {
        spool();
        assertThat(retention("until-floor", Duration.ZERO, 0, T0).sweep()).as("above the floor").isZero();
        long free = Files.getFileStore(data).getUsableSpace();
        // a floor half a file above what is free: one file covers it
        assertThat(retention("until-floor", Duration.ZERO, free + FILE / 2, T0).sweep()).isEqualTo(1);
        assertThat(present(0)).isFalse();
        assertThat(present(1)).isTrue();
        // however far below the floor, an undelivered file stays
        assertThat(retention("until-floor", Duration.ZERO, Long.MAX_VALUE / 2, T0).sweep()).isEqualTo(1);
        assertThat(present(2)).isTrue();
    }

    @Test
    void untilFloorSweepsAfterADeliveryOnlyWhileTheDiskIsUnderItsFloor() throws Exception {
        spool();
        AgentEvent delivered = new AgentEvent.FileDelivered("cam/f1", "hq", FILE, 1, Duration.ZERO, "size", 0, T0);
        try (Retention roomy = retention("until-floor", Duration.ZERO, 0, T0)) {
            for (int i = 0; i < 100; i++) {
                roomy.publish(delivered);
            }
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> roomy.sweeps() == 0);
        }
        assertThat(present(0)).isTrue();
        long free = Files.getFileStore(data).getUsableSpace();
        try (Retention tight = retention("until-floor", Duration.ZERO, free + FILE / 2, T0)) {
            tight.publish(delivered);
            await().atMost(Duration.ofSeconds(10)).until(() -> !present(0));
            assertThat(tight.sweeps()).isEqualTo(1);
            assertThat(present(2)).as("still owed").isTrue();
        }
    }

    @Test
    void untilFloorMakesRoomForAnUploadThatDidNotFitAboveTheFloor() throws Exception {
        spool();
        long free = Files.getFileStore(data).getUsableSpace();
        // half a file above the floor: an upload of a file's size did not fit
        try (Retention retention = retention("until-floor", Duration.ZERO, free - FILE / 2, T0)) {
            assertThat(retention.sweep()).as("above the floor: nothing to do").isZero();
            retention.makeRoom(FILE);
            await().atMost(Duration.ofSeconds(10)).until(() -> !present(0));
            assertThat(present(1)).as("one file made the room").isTrue();
            assertThat(present(2)).as("still owed").isTrue();
        }
    }
}
