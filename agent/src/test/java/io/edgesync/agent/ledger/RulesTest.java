package io.edgesync.agent.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.Optional;

import java.util.List;
import java.util.Set;

import static io.edgesync.agent.ledger.DeliveryStatus.ACTIVE;
import static io.edgesync.agent.ledger.DeliveryStatus.DELIVERED;
import static io.edgesync.agent.ledger.DeliveryStatus.PARKED;
import static io.edgesync.agent.ledger.DeliveryStatus.PENDING;
import static io.edgesync.agent.ledger.DeliveryStatus.STANDBY;
import static io.edgesync.agent.ledger.DeliveryStatus.SUPERSEDED;
import static org.assertj.core.api.Assertions.assertThat;

/** The delivery rules' policy ({@link Rules#decide}), one file at a time; then as the ledger applies it. */
class RulesTest {
    @TempDir
    Path dir;
    private static final Rules.Rule ANY = new Rules.Rule("hq", List.of("a", "b", "c"), 1, false, "any-of");
    private static final Rules.Rule TWO = new Rules.Rule("labs", List.of("a", "b", "c"), 2, false, "2-of-3");

    private static Rules.Row row(long id, String upstream, DeliveryStatus state) {
        return new Rules.Row(id, upstream, state);
    }

    @Test
    void nothingMovesWhileThePreferredUpstreamsWork() {
        Rules.Moves m = Rules.decide(ANY, Set.of(), List.of(row(1, "a", PENDING), row(2, "b", STANDBY),
                row(3, "c", STANDBY)));
        assertThat(m.none()).isTrue();
    }

    @Test
    void aFailedPrimaryHandsTheFileToTheFirstBackupThatWorks() {
        assertThat(Rules.decide(ANY, Set.of("a"), List.of(row(1, "a", PENDING), row(2, "b", STANDBY),
                row(3, "c", STANDBY))).promote()).containsExactly(2L);
        assertThat(Rules.decide(ANY, Set.of("a", "b"), List.of(row(1, "a", PENDING), row(2, "b", STANDBY),
                row(3, "c", STANDBY))).promote()).containsExactly(3L);
        assertThat(Rules.decide(ANY, Set.of("a"), List.of(row(1, "a", ACTIVE), row(2, "b", STANDBY)))
                .none()).as("a transfer in flight counts, whatever its upstream's state").isTrue();
    }

    @Test
    void aParkedOrCancelledDeliveryPassesTheFileOn() {
        assertThat(Rules.decide(ANY, Set.of(), List.of(row(1, "a", PARKED), row(2, "b", STANDBY))).promote())
                .containsExactly(2L);
        assertThat(Rules.decide(ANY, Set.of(), List.of(row(1, "a", SUPERSEDED), row(2, "b", STANDBY))).promote())
                .containsExactly(2L);
    }

    @Test
    void whenThePrimaryIsBackTheBackupsWaitingCopyStandsByAgain() {
        Rules.Moves m = Rules.decide(ANY, Set.of(), List.of(row(1, "a", PENDING), row(2, "b", PENDING)));
        assertThat(m.demote()).containsExactly(2L);
        assertThat(Rules.decide(ANY, Set.of(), List.of(row(1, "a", PENDING), row(2, "b", ACTIVE))).demote())
                .as("one in flight keeps its place; the primary's copy waits for its outcome").containsExactly(1L);
    }

    @Test
    void theRulesOrderDecidesWhoTakesWhatIsNotStartedYet() {
        Rules.Rule reordered = new Rules.Rule("hq", List.of("b", "a"), 1, false, "any-of");
        Rules.Moves m = Rules.decide(reordered, Set.of(), List.of(row(1, "a", PENDING), row(2, "b", STANDBY)));
        assertThat(m.promote()).containsExactly(2L);
        assertThat(m.demote()).containsExactly(1L);
    }

    @Test
    void aFileThatKeepsFailingOnOneUpstreamGoesToTheNextToo() {
        Rules.Row tried = new Rules.Row(1, "a", PENDING, Rules.FILE_TRIES);
        Rules.Moves m = Rules.decide(ANY, Set.of(), List.of(tried, row(2, "b", STANDBY), row(3, "c", STANDBY)));
        assertThat(m.promote()).containsExactly(2L);
        assertThat(m.demote()).as("it goes on trying where it failed").isEmpty();
        assertThat(Rules.decide(ANY, Set.of(), List.of(new Rules.Row(1, "a", PENDING, Rules.FILE_TRIES - 1),
                row(2, "b", STANDBY))).none()).isTrue();
        assertThat(Rules.decide(ANY, Set.of(), Set.of("a"), List.of(tried, row(2, "b", STANDBY))).none())
                .as("failures of an unreachable upstream are its own, not the file's: failover-after decides").isTrue();
    }

    @Test
    void aMetRuleWithdrawsWhatOthersOweUnlessThePreferredCatchUp() {
        Rules.Moves m = Rules.decide(ANY, Set.of("a"), List.of(row(1, "a", PENDING), row(2, "b", DELIVERED),
                row(3, "c", STANDBY)));
        assertThat(m.withdraw()).containsExactly(1L, 3L);
        Rules.Rule catchUp = new Rules.Rule("hq", List.of("a", "b", "c"), 1, true, "any-of");
        Rules.Moves c = Rules.decide(catchUp, Set.of("a"), List.of(row(1, "a", PENDING), row(2, "b", DELIVERED),
                row(3, "c", STANDBY)));
        assertThat(c.withdraw()).containsExactly(3L);
        assertThat(c.promote()).isEmpty();
    }

    @Test
    void twoOfThreeKeepsTwoLiveAndCountsOnlyTheUpstreamsThatTakeTheFile() {
        assertThat(Rules.decide(TWO, Set.of("b"), List.of(row(1, "a", DELIVERED), row(2, "b", PENDING),
                row(3, "c", STANDBY))).promote()).containsExactly(3L);
        assertThat(Rules.decide(TWO, Set.of(), List.of(row(1, "a", DELIVERED), row(2, "b", DELIVERED),
                row(3, "c", PENDING))).withdraw()).containsExactly(3L);
        // only two of the three take it: both must have it; with one, that one
        assertThat(Rules.decide(TWO, Set.of("a"), List.of(row(1, "a", PENDING), row(3, "c", PENDING))).none()).isTrue();
        assertThat(Rules.decide(TWO, Set.of(), List.of(row(1, "a", DELIVERED))).none()).isTrue();
    }

    private static ReceivedFile file(String path, Instant at) {
        return new ReceivedFile(path, 10, "00", at, "cam", "127.0.0.1");
    }

    @Test
    void theLedgerHoldsBackWithdrawsAndTellsWhereEachFileStands() throws Exception {
        Instant t0 = Instant.parse("2026-12-03T10:00:00Z");
        try (Ledger ledger = Ledger.open(dir.resolve("ledger.db"))) {
            for (int i = 0; i < 3; i++) {
                ledger.intake().recordReceivedTo(file("cam/" + i, t0.plusSeconds(i)), List.of(
                        new Intake.Route("a", false, Optional.of("site/cam/" + i)),
                        new Intake.Route("b", true, Optional.empty()), new Intake.Route("c", true, Optional.empty())));
            }
            assertThat(ledger.reports().backlog("b").pending()).as("standby is not b's backlog").isZero();
            // a fails over: each file goes to b
            Rules.Settled moved = ledger.rules().settleAll(ANY, Set.of("a"), 1, t0.plusSeconds(10), id -> { });
            assertThat(moved.promoted()).isEqualTo(3);
            assertThat(moved.promotedTo()).containsExactly("b");
            Delivery toB = ledger.deliveries().claimNext("b", t0.plusSeconds(11)).orElseThrow();
            assertThat(toB.upstreamPath()).isEqualTo(toB.path());
            ledger.deliveries().delivered(toB.id(), t0.plusSeconds(12), java.time.Duration.ofMillis(5));
            Rules.Standing standing = ledger.rules().settleFile(ANY, Set.of("a"), toB.fileId(), t0.plusSeconds(12));
            assertThat(standing.met()).isTrue();
            assertThat(standing.deliveredTo()).containsExactly("b");
            assertThat(standing.states()).containsEntry("a", "withdrawn").containsEntry("b", "delivered")
                    .containsEntry("c", "withdrawn");
            assertThat(ledger.deletions().stillDeletable(toB.fileId())).as("met: retention may take it").isTrue();
            // a is back: what b has not started goes back to a, with a's path
            ledger.rules().settleAll(ANY, Set.of(), 1, t0.plusSeconds(20), id -> { });
            assertThat(ledger.reports().backlog("b").pending()).isZero();
            Delivery toA = ledger.deliveries().claimNext("a", t0.plusSeconds(21)).orElseThrow();
            assertThat(toA.upstreamPath()).isEqualTo("site/" + toA.path());
            assertThat(ledger.rules().standings(ANY, List.of(toA.fileId())).get(toA.fileId()).met()).isFalse();
            // an upstream that follows no rule any more gets what a rule held back for it
            assertThat(ledger.rules().release("c", t0.plusSeconds(30))).isEqualTo(2);
        }
        StringBuilder plan = new StringBuilder();
        try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ledger.db"));
             var q = db.prepareStatement("EXPLAIN QUERY PLAN " + Rules.owedFilesSql(ANY))) {
            for (int i = 1; i <= 3; i++) {
                q.setString(i, ANY.members().get(i - 1));
            }
            q.setLong(4, 0);
            q.setLong(5, 500);
            try (var rs = q.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString("detail")).append('\n');
                }
            }
        }
        assertThat(plan.toString()).as("walks files in order from where it left off")
                .contains("USING INDEX deliveries_file (file_id>?)");
    }

    @Test
    void aWithdrawnDeliveryThatWasTriedLeavesItsTemporaryToBeRemoved() throws Exception {
        Instant t0 = Instant.parse("2026-12-03T10:00:00Z");
        try (Ledger ledger = Ledger.open(dir.resolve("ledger.db"))) {
            long file = ledger.intake().recordReceivedTo(file("cam/x.jpg", t0), List.of(
                    new Intake.Route("a", false, Optional.empty()), new Intake.Route("b", true, Optional.empty())));
            // a's attempt is cut (a crash would leave it so): its temporary was named when it was claimed
            Delivery toA = ledger.deliveries().claimNext(new Deliveries.Claim("a", t0, Long.MAX_VALUE, Long.MAX_VALUE,
                    Optional.empty(), p -> Deliveries.Classification.USUAL,
                    (path, id) -> "/home/in/cam/.edgesync-" + id + ".part")).orElseThrow();
            ledger.deliveries().recoverInFlight(t0.plusSeconds(1));
            ledger.rules().settleFile(ANY, Set.of("a"), file, t0.plusSeconds(2));
            Delivery toB = ledger.deliveries().claimNext("b", t0.plusSeconds(3)).orElseThrow();
            ledger.deliveries().delivered(toB.id(), t0.plusSeconds(4), java.time.Duration.ofMillis(1));
            assertThat(ledger.rules().settleFile(ANY, Set.of("a"), file, t0.plusSeconds(4)).states())
                    .containsEntry("a", "withdrawn");
            assertThat(ledger.deliveries().staleTemps("a", 10)).extracting(Ledger.StaleTemp::path)
                    .containsExactly("/home/in/cam/.edgesync-" + toA.id() + ".part");
        }
    }
}
