package io.edgesync.agent.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LedgerTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

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

    private static ReceivedFile file(String path, long size, Instant at) {
        return new ReceivedFile(path, size, "ab".repeat(32), at, "cam", "10.0.0.5");
    }

    @Test
    void aReceivedFileOwesOneDeliveryPerUpstream() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq", "backup"));

        assertThat(ledger.reports().backlog("hq").pending()).isEqualTo(1);
        assertThat(ledger.reports().backlog("backup").pending()).isEqualTo(1);
        assertThat(ledger.reports().backlog("hq").oldestPending()).contains(T0);
        assertThat(ledger.reports().received()).isEqualTo(new Ledger.Totals(1, 10));
        assertThat(ledger.intake().currentVersion("cam/a.jpg")).get().extracting(Ledger.Version::size).isEqualTo(10L);
        assertThat(ledger.intake().currentVersion("cam/b.jpg")).isEmpty();
    }

    @Test
    void claimDeliverAndHistory() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));

        Delivery d = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        assertThat(d.path()).isEqualTo("cam/a.jpg");
        assertThat(d.attempt()).isEqualTo(1);
        assertThat(ledger.deliveries().claimNext("hq", T0)).as("an active delivery is not handed out twice").isEmpty();

        ledger.deliveries().delivered(d.id(), T0.plusSeconds(1), Duration.ofMillis(250));
        assertThat(ledger.reports().backlog("hq")).isEqualTo(new Backlog(0, 0, 1, Optional.empty()));
        Transfer t = ledger.reports().recentTransfers(5).getFirst();
        assertThat(t.state()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(t.took()).contains(Duration.ofMillis(250));
        assertThatThrownBy(() -> ledger.deliveries().delivered(d.id(), T0, Duration.ZERO))
                .as("only an active delivery can finish").isInstanceOf(LedgerException.class);
    }

    @Test
    void retryLaterHidesTheDeliveryUntilItIsDue() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        Delivery d = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        ledger.deliveries().retryLater(d.id(), T0, T0.plusSeconds(30), "[h:21] STOR: 451 try later", Optional.empty());

        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(29))).isEmpty();
        assertThat(ledger.deliveries().nextDue("hq")).contains(T0.plusSeconds(30));
        Delivery again = ledger.deliveries().claimNext("hq", T0.plusSeconds(30)).orElseThrow();
        assertThat(again.attempt()).isEqualTo(2);
    }

    @Test
    void oldestDueGoesFirst() throws LedgerException {
        ledger.intake().recordReceived(file("cam/1", 1, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/2", 1, T0.plusSeconds(1)), List.of("hq"));
        ledger.intake().recordReceived(file("cam/3", 1, T0.plusSeconds(2)), List.of("hq"));

        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(5)).orElseThrow().path()).isEqualTo("cam/1");
        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(5)).orElseThrow().path()).isEqualTo("cam/2");
        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(5)).orElseThrow().path()).isEqualTo("cam/3");
    }

    @Test
    void aNewerUploadSupersedesPendingDeliveriesOfThePath() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/a.jpg", 20, T0.plusSeconds(1)), List.of("hq"));

        Delivery d = ledger.deliveries().claimNext("hq", T0.plusSeconds(2)).orElseThrow();
        assertThat(d.size()).isEqualTo(20);
        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(2))).isEmpty();
    }

    @Test
    void aPathInFlightIsNotClaimedAgainForTheSameUpstream() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        Delivery first = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        ledger.intake().recordReceived(file("cam/a.jpg", 20, T0.plusSeconds(1)), List.of("hq"));

        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(2))).as("the old version is still being sent").isEmpty();
        ledger.deliveries().delivered(first.id(), T0.plusSeconds(3), Duration.ofSeconds(1));
        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(3)).orElseThrow().size()).isEqualTo(20);
    }

    @Test
    void pendingWorkAndInFlightDeliveriesSurviveAReopen() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/b.jpg", 10, T0), List.of("hq"));
        Delivery inFlight = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        ledger.close();

        ledger = Ledger.open(dir.resolve("ledger.db"));
        assertThat(ledger.deliveries().recoverInFlight(T0.plusSeconds(60))).isEqualTo(1);
        Delivery again = ledger.deliveries().claimNext("hq", T0.plusSeconds(60)).orElseThrow();
        assertThat(again.id()).isEqualTo(inFlight.id());
        assertThat(again.attempt()).as("the interrupted attempt counts").isEqualTo(2);
        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(60)).orElseThrow().path()).isEqualTo("cam/b.jpg");
    }

    @Test
    void parkedDeliveriesAreCountedAndNotClaimed() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        Delivery d = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        ledger.deliveries().park(d.id(), T0, "[h:21] STOR: 553 not allowed", Optional.empty());

        assertThat(ledger.reports().backlog("hq").parked()).isEqualTo(1);
        assertThat(ledger.reports().backlog("hq").pending()).isZero();
        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(3600))).isEmpty();
        assertThat(ledger.reports().recentTransfers(1).getFirst().lastError()).contains("[h:21] STOR: 553 not allowed");
    }

    @Test
    void usesWriteAheadLogging() throws Exception {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    void withdrawSupersedesWhatWasOwedForAPath() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq", "backup"));
        assertThat(ledger.intake().withdraw("cam/a.jpg", T0)).isEqualTo(2);
        assertThat(ledger.reports().backlog("hq").pending()).isZero();
        assertThat(ledger.deliveries().claimNext("hq", T0)).isEmpty();
    }

    @Test
    void parkedDeliveriesCanBeRetriedPerUpstream() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq", "backup"));
        ledger.deliveries().park(ledger.deliveries().claimNext("hq", T0).orElseThrow().id(), T0, "553", Optional.empty());
        ledger.deliveries().park(ledger.deliveries().claimNext("backup", T0).orElseThrow().id(), T0, "553", Optional.empty());

        assertThat(ledger.queue().retryParked(Optional.of("hq"), T0.plusSeconds(1)))
                .extracting(Ledger.OwedDelivery::path, Ledger.OwedDelivery::upstream, Ledger.OwedDelivery::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("cam/a.jpg", "hq", DeliveryStatus.PARKED));
        Delivery again = ledger.deliveries().claimNext("hq", T0.plusSeconds(1)).orElseThrow();
        assertThat(again.attempt()).as("attempts start over").isEqualTo(1);
        assertThat(ledger.reports().backlog("backup").parked()).isEqualTo(1);
    }

    @Test
    void operatorsRetryCancelListAndRequeueSingleDeliveries() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/b.jpg", 20, T0.plusSeconds(1)), List.of("hq"));
        Delivery a = ledger.deliveries().claimNext("hq", T0.plusSeconds(5)).orElseThrow();
        assertThat(ledger.queue().retryDelivery(a.id(), T0)).as("in flight: not retried").isFalse();
        assertThat(ledger.queue().cancel(a.id(), T0)).as("in flight: not cancelled").isFalse();
        ledger.deliveries().park(a.id(), T0, "553", Optional.of("/in/cam/.edgesync-1.part"));

        Ledger.Page<Ledger.OwedDelivery> owed = ledger.queue().owed(List.of(DeliveryStatus.PENDING, DeliveryStatus.ACTIVE, DeliveryStatus.PARKED),
                Optional.empty(), 0, 1);
        assertThat(owed.total()).isEqualTo(2);
        assertThat(owed.items()).singleElement().satisfies(d -> {
            assertThat(d.path()).isEqualTo("cam/a.jpg");
            assertThat(d.state()).isEqualTo(DeliveryStatus.PARKED);
            assertThat(d.lastError()).contains("553");
        });
        assertThat(ledger.queue().owed(List.of(DeliveryStatus.PENDING), Optional.of("hq"), 0, 10).items())
                .extracting(Ledger.OwedDelivery::path).containsExactly("cam/b.jpg");
        assertThat(ledger.queue().owed(List.of(DeliveryStatus.PENDING), Optional.of("other"), 0, 10).total()).isZero();

        assertThat(ledger.queue().cancel(a.id(), T0)).isTrue();
        assertThat(ledger.queue().delivery(a.id()).orElseThrow().state()).isEqualTo(DeliveryStatus.SUPERSEDED);
        assertThat(ledger.queue().delivery(a.id()).orElseThrow().lastError()).contains("cancelled by operator");
        assertThat(ledger.deliveries().staleTemps("hq", 10)).extracting(Ledger.StaleTemp::path).containsExactly("/in/cam/.edgesync-1.part");
        assertThat(ledger.queue().retryDelivery(a.id(), T0)).as("cancelled: not retried").isFalse();
        assertThat(ledger.queue().delivery(999)).isEmpty();

        // resync: the current version of each path, delivered again; what was owed for it is superseded
        List<Ledger.SpoolFile> current = ledger.queue().currentFiles();
        assertThat(current).extracting(Ledger.SpoolFile::path).containsExactly("cam/a.jpg", "cam/b.jpg");
        assertThat(ledger.queue().requeue(current.stream().map(Ledger.SpoolFile::id).toList(), "hq", T0.plusSeconds(9)))
                .isEqualTo(2);
        assertThat(ledger.queue().owed(List.of(DeliveryStatus.PENDING), Optional.empty(), 0, 10).items())
                .extracting(Ledger.OwedDelivery::path).containsExactly("cam/a.jpg", "cam/b.jpg");
        assertThat(ledger.reports().backlog("hq").pending()).isEqualTo(2);
        assertThat(ledger.reports().inSpool()).isEqualTo(new Ledger.Totals(2, 30));
        assertThat(ledger.reports().lastUploads()).containsEntry("cam", T0.plusSeconds(1));
    }

    @Test
    void temporariesOfParkedOrSupersededDeliveriesBecomeStale() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        Delivery d = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        ledger.deliveries().retryLater(d.id(), T0, T0, "cut", Optional.of("/in/cam/.edgesync-1.part"));
        Delivery retry = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        assertThat(retry.tempPath()).contains("/in/cam/.edgesync-1.part");
        assertThat(ledger.deliveries().staleTemps("hq", 10)).isEmpty();

        ledger.deliveries().park(retry.id(), T0, "553", Optional.empty());
        assertThat(ledger.deliveries().staleTemps("hq", 10)).extracting(Ledger.StaleTemp::path)
                .containsExactly("/in/cam/.edgesync-1.part");
        ledger.deliveries().staleTempRemoved(ledger.deliveries().staleTemps("hq", 10).getFirst().id());
        assertThat(ledger.deliveries().staleTemps("hq", 10)).isEmpty();
    }

    @Test
    void onlyFullyDeliveredCurrentVersionsAreDeletable() throws LedgerException {
        ledger.intake().recordReceived(file("cam/old.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/owed.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/parked.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/nowhere.jpg", 10, T0), List.of());
        Delivery old = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        ledger.deliveries().delivered(old.id(), T0, Duration.ZERO);
        assertThat(ledger.deliveries().claimNext("hq", T0)).isPresent(); // owed.jpg stays in flight
        ledger.deliveries().park(ledger.deliveries().claimNext("hq", T0).orElseThrow().id(), T0, "553", Optional.empty());

        assertThat(ledger.deletions().deletable(T0.plusSeconds(1), 10)).extracting(Ledger.SpoolFile::path)
                .containsExactly("cam/old.jpg", "cam/nowhere.jpg");
        assertThat(ledger.deletions().deletable(T0, 10)).as("received before").isEmpty();
        long oldId = ledger.deletions().deletable(T0.plusSeconds(1), 10).getFirst().id();
        ledger.deletions().spoolDeleted(oldId, T0);
        assertThat(ledger.deletions().stillDeletable(oldId)).isFalse();
        assertThat(ledger.intake().currentVersion("cam/old.jpg")).isEmpty();

        ledger.intake().recordReceived(file("cam/nowhere.jpg", 20, T0.plusSeconds(2)), List.of("hq"));
        assertThat(ledger.deletions().deletable(T0.plusSeconds(5), 10)).as("a newer version is owed").isEmpty();
    }

    @Test
    void claimingWalksTheClaimIndexInIdOrderAndSortsNothing() throws Exception {
        for (int i = 0; i < 50; i++) {
            ledger.intake().recordReceived(file("cam/" + i, 1, T0.plusMillis(i)), List.of("hq"));
        }
        // a sort here costs every claim the whole backlog (0.74 ms each with 2,000 owed, measured)
        assertThat(plan(Deliveries.CLAIM)).contains("SEARCH d USING INDEX deliveries_priority")
                .doesNotContain("TEMP B-TREE");
        assertThat(plan(Deliveries.CLAIM_STARVED)).contains("SEARCH d USING INDEX deliveries_claim")
                .doesNotContain("TEMP B-TREE");
        assertThat(ledger.deliveries().claimNext("hq", T0.plusSeconds(1))).get().extracting(Delivery::path).isEqualTo("cam/0");
    }

    private static Deliveries.Claim claim(Instant now, long budgetBelow, java.util.Optional<Instant> starvedBefore) {
        return new Deliveries.Claim("hq", now, Long.MAX_VALUE, budgetBelow, starvedBefore,
                path -> new Deliveries.Classification(path.startsWith("alarms/") ? 10 : path.startsWith("logs/") ? -5 : 0,
                        path.startsWith("alarms/")));
    }

    @Test
    void higherPriorityGoesFirstOldestFirstWithinOneAndAStarvedFileTakesItsTurn() throws LedgerException {
        ledger.intake().recordReceived(file("logs/old.txt", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0.plusSeconds(1)), List.of("hq"));
        ledger.intake().recordReceived(file("alarms/1.json", 10, T0.plusSeconds(2)), List.of("hq"));
        ledger.intake().recordReceived(file("alarms/2.json", 10, T0.plusSeconds(3)), List.of("hq"));
        ledger.intake().recordReceived(file("cam/b.jpg", 10, T0.plusSeconds(4)), List.of("hq"));
        Instant now = T0.plusSeconds(60);
        List<String> order = new java.util.ArrayList<>();
        order.add(ledger.deliveries().claimNext(claim(now, Long.MAX_VALUE, java.util.Optional.empty())).orElseThrow().path());
        order.add(ledger.deliveries().claimNext(claim(now, Long.MAX_VALUE, java.util.Optional.empty())).orElseThrow().path());
        // the starvation turn: the oldest queued before the limit goes, whatever its priority
        order.add(ledger.deliveries().claimNext(claim(now, Long.MAX_VALUE, java.util.Optional.of(T0.plusMillis(500))))
                .orElseThrow().path());
        // a starvation turn with nothing that old: as usual
        order.add(ledger.deliveries().claimNext(claim(now, Long.MAX_VALUE, java.util.Optional.of(T0.minusSeconds(1))))
                .orElseThrow().path());
        order.add(ledger.deliveries().claimNext(claim(now, Long.MAX_VALUE, java.util.Optional.empty())).orElseThrow().path());
        assertThat(order).containsExactly("alarms/1.json", "alarms/2.json", "logs/old.txt", "cam/a.jpg", "cam/b.jpg");
    }

    @Test
    void aFileThatDoesNotFitTheBudgetWaitsUnlessItIsExemptAndNextDueSaysSo() throws LedgerException {
        ledger.intake().recordReceived(file("cam/big.jpg", 5_000, T0), List.of("hq"));
        ledger.intake().recordReceived(file("alarms/big.json", 5_000, T0.plusSeconds(1)), List.of("hq"));
        Instant now = T0.plusSeconds(60);
        assertThat(ledger.deliveries().nextDue("hq", 1_000)).as("not ranked yet: its claim will tell").isPresent();
        Delivery exempt = ledger.deliveries().claimNext(claim(now, 1_000, java.util.Optional.empty())).orElseThrow();
        assertThat(exempt.path()).isEqualTo("alarms/big.json");
        assertThat(exempt.exempt()).isTrue();
        assertThat(exempt.priority()).isEqualTo(10);
        assertThat(ledger.deliveries().claimNext(claim(now, 1_000, java.util.Optional.empty()))).isEmpty();
        assertThat(ledger.deliveries().nextDue("hq", 1_000)).isEmpty();
        assertThat(ledger.deliveries().nextDue("hq", 5_001)).contains(T0);
        assertThat(ledger.deliveries().claimNext(claim(now, 5_001, java.util.Optional.empty()))).get()
                .extracting(Delivery::path).isEqualTo("cam/big.jpg");
    }

    @Test
    void changedPrioritiesRankWhatIsStillOwedAgain() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("alarms/x.json", 10, T0.plusSeconds(1)), List.of("hq"));
        ledger.intake().recordReceived(file("cam/c.jpg", 10, T0.plusSeconds(2)), List.of("hq"));
        Instant now = T0.plusSeconds(60);
        Delivery first = ledger.deliveries().claimNext(claim(now, Long.MAX_VALUE, java.util.Optional.empty())).orElseThrow();
        assertThat(first.path()).isEqualTo("alarms/x.json");
        assertThat(ledger.deliveries().reclassify("hq")).as("the two still owed, and the one in flight").isEqualTo(3);
        Delivery next = ledger.deliveries().claimNext(new Deliveries.Claim("hq", now, Long.MAX_VALUE, Long.MAX_VALUE,
                java.util.Optional.empty(), path -> new Deliveries.Classification(path.equals("cam/c.jpg") ? 1 : 0,
                false))).orElseThrow();
        assertThat(next.path()).isEqualTo("cam/c.jpg");
    }

    private String plan(String claim) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             var q = db.prepareStatement("EXPLAIN QUERY PLAN " + claim)) {
            q.setString(1, "hq");
            q.setLong(2, T0.plusSeconds(1).toEpochMilli());
            q.setLong(3, Long.MAX_VALUE);
            q.setLong(4, Long.MAX_VALUE);
            if (claim.equals(Deliveries.CLAIM_STARVED)) {
                q.setLong(5, T0.toEpochMilli());
            }
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString("detail")).append('\n');
                }
            }
        }
        return plan.toString();
    }

    @Test
    void aDeliveryRecordedWithoutWaitingIsSeenByTheNextReadAndCommittedAtClose() throws LedgerException {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        ledger.intake().recordReceived(file("cam/b.jpg", 10, T0), List.of("hq"));
        ledger.deliveries().deliveredWithoutWaiting(ledger.deliveries().claimNext("hq", T0).orElseThrow().id(), T0, Duration.ZERO);
        assertThat(ledger.reports().backlog("hq").delivered()).as("a read commits what waits first").isEqualTo(1);

        Delivery second = ledger.deliveries().claimNext("hq", T0).orElseThrow();
        long commits = ledger.commits();
        ledger.deliveries().deliveredWithoutWaiting(second.id(), T0, Duration.ZERO);
        ledger.deliveries().deliveredWithoutWaiting(999, T0, Duration.ZERO); // not active: logged, nothing thrown
        assertThat(ledger.commits()).as("nothing committed yet").isEqualTo(commits);
        ledger.close();
        ledger = Ledger.open(dir.resolve("ledger.db"));
        assertThat(ledger.reports().backlog("hq").delivered()).isEqualTo(2);
        assertThat(ledger.reports().backlog("hq").pending()).isZero();
    }

    @Test
    void aLedgerOfANewerEdgesyncIsRefusedAndLeftByteForByte() throws Exception {
        ledger.intake().recordReceived(file("cam/a.jpg", 10, T0), List.of("hq"));
        ledger.close();
        Path file = dir.resolve("ledger.db");
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + file); var st = db.createStatement()) {
            st.execute("PRAGMA user_version = 99"); // as a later release would leave it
        }
        byte[] before = java.nio.file.Files.readAllBytes(file);

        assertThatThrownBy(() -> Ledger.open(file)).isInstanceOf(NewerLedgerException.class)
                .hasMessageContaining("schema version 99").hasMessageContaining("newer edgesync")
                .hasMessageContaining("Nothing was changed");

        assertThat(java.nio.file.Files.readAllBytes(file)).isEqualTo(before);
        Path wal = dir.resolve("ledger.db-wal"); // a reader of a WAL database opens one; nothing was written to it
        assertThat(!java.nio.file.Files.exists(wal) || java.nio.file.Files.size(wal) == 0).as("an empty WAL").isTrue();
        ledger = Ledger.open(dir.resolve("other.db")); // for close()
    }
}
