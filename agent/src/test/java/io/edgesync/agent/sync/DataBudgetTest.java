package io.edgesync.agent.sync;

import io.edgesync.agent.config.BudgetSettings;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.telemetry.AgentEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A data budget's counting, periods and alarms with a real ledger and a fixed clock. */
class DataBudgetTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T15:00:00Z"), ZoneOffset.UTC);
    @TempDir
    Path dir;
    private Ledger ledger;
    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicLong nanos = new AtomicLong();

    @BeforeEach
    void open() throws Exception {
        ledger = Ledger.open(dir.resolve("ledger.db"));
    }

    @AfterEach
    void close() throws Exception {
        ledger.close();
    }

    private static BudgetSettings daily(long bytes, LocalTime reset) {
        return new BudgetSettings(bytes, 0, 1, reset, Optional.empty());
    }

    private DataBudget budget(BudgetSettings settings) {
        return new DataBudget("hq", settings, UTC, ledger, events::add, CLOCK, nanos::get);
    }

    @Test
    void aNewResetTimeCarriesWhatWasCountedOverAndARestartReadsItBack() {
        DataBudget budget = budget(daily(1_000_000, LocalTime.MIDNIGHT));
        budget.sentData(500_000);
        budget.save();
        long used = budget.state().getFirst().usedBytes();
        assertThat(used).as("with TCP/IP headers").isEqualTo(500_000 + 346 * 52);

        budget.useSettings(daily(1_000_000, LocalTime.of(14, 0)), UTC);
        assertThat(budget.state().getFirst().startedAt()).isEqualTo("2026-12-03T14:00:00Z");
        assertThat(budget.state().getFirst().usedBytes()).as("carried over, not lost").isEqualTo(used);
        assertThat(budget(daily(1_000_000, LocalTime.of(14, 0))).state().getFirst().usedBytes())
                .as("as the ledger has it").isEqualTo(used);
    }

    @Test
    void aRaiseHasACeilingAndADueFileThatDoesNotFitExhaustsWithoutAWarning() throws Exception {
        DataBudget budget = budget(daily(1_000_000, LocalTime.MIDNIGHT));
        budget.blocked();
        assertThat(events).hasSize(1).first().isInstanceOfSatisfying(AgentEvent.BudgetAlarm.class,
                b -> assertThat(b.level()).isEqualTo("exhausted"));
        assertThat(budget.whyWaiting(2_000_000)).get().asString().startsWith("larger than the whole day budget");
        assertThat(budget.whyWaiting(600_000)).get().asString().contains("600000 bytes, 1000000 left");

        budget.raise("day", BudgetSettings.MAX_BYTES - 2_000_000);
        assertThatThrownBy(() -> budget.raise("day", 2_000_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would exceed 1PiB");
        assertThat(budget.state().getFirst().state()).isEqualTo("ok");
        assertThatThrownBy(() -> budget.raise("month", 1)).hasMessageContaining("has no monthly budget");
    }
}
