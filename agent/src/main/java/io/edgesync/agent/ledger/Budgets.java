package io.edgesync.agent.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;

/**
 * Data budgets as the ledger keeps them across restarts: per upstream and period (a day, a month, named by
 * when it began), the bytes sent, the bytes an operator added to it, and the alarms already raised for it.
 * One role of the {@link Ledger}; thread-safe. A row per upstream and period: a few hundred a year, kept.
 */
public final class Budgets {
    private final Database database;

    Budgets(Database database) {
        this.database = database;
    }

    /** One period's account; zeros when nothing was sent in it yet. */
    public record Usage(long used, long raised, int alerted) {
        public static final Usage NONE = new Usage(0, 0, 0);
    }

    public Usage usage(String upstream, String period, Instant startsAt) throws LedgerException {
        return database.read("budget of " + upstream, db -> {
            try (PreparedStatement q = db.prepareStatement(
                    "SELECT used, raised, alerted FROM budget_usage WHERE upstream = ? AND period = ? AND starts_at = ?")) {
                Rows.bind(q, upstream, period, startsAt.toEpochMilli());
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? new Usage(rs.getLong(1), rs.getLong(2), rs.getInt(3)) : Usage.NONE;
                }
            }
        });
    }

    /** Adds {@code used} bytes sent and {@code raised} bytes allowed more; sets the alarm level reached. */
    public void add(String upstream, String period, Instant startsAt, long used, long raised, int alerted)
            throws LedgerException {
        database.writeRelaxed("count the budget of " + upstream, db -> {
            try (PreparedStatement st = db.prepareStatement("""
                    INSERT INTO budget_usage (upstream, period, starts_at, used, raised, alerted) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (upstream, period, starts_at) DO UPDATE SET used = used + excluded.used,
                      raised = raised + excluded.raised, alerted = excluded.alerted""")) {
                Rows.bind(st, upstream, period, startsAt.toEpochMilli(), used, raised, alerted);
                st.executeUpdate();
            }
            return null;
        });
    }
}
