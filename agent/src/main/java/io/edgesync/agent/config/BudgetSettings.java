package io.edgesync.agent.config;

import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Optional;

/**
 * {@code upstreams[].budget}: how many bytes a metered link may carry to the upstream per day and per month.
 *
 * @param daily bytes a day (0 = no daily budget)
 * @param monthly bytes a month (0 = no monthly budget)
 * @param resetDay the day of the month a monthly period begins (1-28: every month has it)
 * @param resetTime when, on that day (and every day for the daily budget), a period begins
 * @param zone whose days and months; empty: {@code sync.time-zone}
 */
public record BudgetSettings(long daily, long monthly, int resetDay, LocalTime resetTime, Optional<ZoneId> zone) {
    public static final BudgetSettings NONE = new BudgetSettings(0, 0, 1, LocalTime.MIDNIGHT, Optional.empty());
    /** Largest budget a period may have, raises included (so that no count or share of it overflows). */
    public static final long MAX_BYTES = 1L << 50;

    public BudgetSettings {
        if (daily < 0 || daily > MAX_BYTES) {
            throw ConfigException.of("budget.daily", daily, "allowed: a size such as 500MB, at most 1PiB (0 = none)");
        }
        if (monthly < 0 || monthly > MAX_BYTES) {
            throw ConfigException.of("budget.monthly", monthly, "allowed: a size such as 20GB, at most 1PiB (0 = none)");
        }
        if (resetDay < 1 || resetDay > 28) {
            throw ConfigException.of("budget.reset-day", resetDay, "allowed: 1-28, the day of the month a monthly"
                    + " period begins (the 29th-31st are missing in some months)");
        }
    }

    /** Whether any budget is set. */
    public boolean any() {
        return daily > 0 || monthly > 0;
    }
}
