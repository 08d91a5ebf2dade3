package io.edgesync.agent.ledger;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.edgesync.agent.ledger.DeliveryStatus.ACTIVE;
import static io.edgesync.agent.ledger.DeliveryStatus.DELIVERED;
import static io.edgesync.agent.ledger.DeliveryStatus.PARKED;
import static io.edgesync.agent.ledger.DeliveryStatus.PENDING;
import static io.edgesync.agent.ledger.DeliveryStatus.STANDBY;
import static io.edgesync.agent.ledger.DeliveryStatus.SUPERSEDED;
import static org.assertj.core.api.Assertions.assertThat;

/** The delivery rules' policy ({@link Rules#decide}), one file at a time. */
class RulesTest {
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
        assertThat(Rules.decide(ANY, Set.of(), List.of(row(1, "a", PENDING), row(2, "b", ACTIVE))).none())
                .as("one in flight finishes").isTrue();
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
}
