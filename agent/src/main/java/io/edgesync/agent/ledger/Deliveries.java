package io.edgesync.agent.ledger;

import io.edgesync.agent.ledger.Ledger.StaleTemp;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The delivery state machine as the workers drive it: claim the oldest due delivery, then delivered, retry
 * later, parked or superseded; the upstream temporaries it wrote; an upstream paused by an operator. One role
 * of the {@link Ledger}, over its one {@link Database}: thread-safe, and a method that returns has committed
 * (unless it says otherwise).
 */
public final class Deliveries {
    private final Database database;

    Deliveries(Database database) {
        this.database = database;
    }

    /**
     * The first due delivery of an upstream whose path has none in flight, highest priority first, oldest
     * first within a priority. The unary {@code +} keeps SQLite off the due-time index: with it, the planner
     * took every due row and sorted them for the {@code ORDER BY} (0.74 ms a claim with 2,000 owed); walking
     * the priority index in order stops at the first due row (8.5 µs). Parameters: upstream, now, size below
     * (large-file admission), size below unless exempt (the budget left). A delivery not ranked yet waits for
     * the claim that ranks it (a resync may queue more than one claim ranks).
     */
    static final String CLAIM = claim("ORDER BY d.priority DESC, d.id");
    /** As {@link #CLAIM}, oldest first whatever the priority, among deliveries queued before the last parameter. */
    static final String CLAIM_STARVED = claim("AND +d.created_at <= ? ORDER BY d.id");

    private static String claim(String order) {
        return """
                SELECT d.id, d.file_id, f.path, f.size, f.sha256, d.attempts, f.received_at, d.temp_path,
                       f.file_key, f.mtime_ns, d.priority, d.exempt, d.remote_path
                FROM deliveries d JOIN files f ON f.id = d.file_id
                WHERE d.upstream = ? AND d.state = 'pending' AND +d.next_attempt_at <= ? AND f.size < ?
                  AND (d.exempt = 1 OR f.size < ?) AND f.published = 1 AND d.classified = 1
                  AND NOT EXISTS (SELECT 1 FROM deliveries a JOIN files af ON af.id = a.file_id
                                  WHERE a.upstream = d.upstream AND a.state = 'active' AND af.path = f.path)
                """ + order + " LIMIT 1";
    }

    /** How a delivery ranks: its priority ({@code sync.priorities}) and whether it goes beyond the budget. */
    public record Classification(int priority, boolean exempt) {
        public static final Classification USUAL = new Classification(0, false);
    }

    /**
     * What a worker may claim.
     *
     * @param sizeBelow only files smaller than this (large-file admission)
     * @param budgetBelow only files smaller than this unless exempt from the budget (the budget left)
     * @param starvedBefore when present: the oldest due delivery queued before this instant, whatever its
     *                      priority, if there is one (else as usual)
     * @param classifier ranks deliveries not yet ranked, by their spool path
     * @param tempOf the upstream temporary the attempt will write, from the delivery's upstream path and id (null:
     *               not known); recorded with the claim, so that a delivery withdrawn or superseded later, after
     *               a crash cut this attempt, leaves its temporary to be removed
     */
    public record Claim(String upstream, Instant now, long sizeBelow, long budgetBelow, Optional<Instant> starvedBefore,
                        java.util.function.Function<String, Classification> classifier,
                        java.util.function.BiFunction<String, Long, String> tempOf) {
        public Claim(String upstream, Instant now) {
            this(upstream, now, Long.MAX_VALUE, Long.MAX_VALUE, Optional.empty(), path -> Classification.USUAL);
        }

        public Claim(String upstream, Instant now, long sizeBelow, long budgetBelow, Optional<Instant> starvedBefore,
                     java.util.function.Function<String, Classification> classifier) {
            this(upstream, now, sizeBelow, budgetBelow, starvedBefore, classifier, null);
        }
    }

    /**
     * At start: deliveries a crash left {@code active} go back to {@code pending}. They were due when claimed,
     * so they are due now, in their original order.
     */
    public int recoverInFlight(Instant now) throws LedgerException {
        return database.write("recover in-flight deliveries", db -> {
            try (PreparedStatement st = db.prepareStatement(
                    "UPDATE deliveries SET state = 'pending', updated_at = ? WHERE state = 'active'")) {
                st.setLong(1, now.toEpochMilli());
                return st.executeUpdate();
            }
        });
    }

    /**
     * Claims the oldest (first received) delivery due for {@code upstream}, marking it {@code active} and counting the attempt.
     * A path that already has a delivery in flight to this upstream is skipped, so two versions of one file
     * never race to the same final name.
     */
    public Optional<Delivery> claimNext(String upstream, Instant now) throws LedgerException {
        return claimNext(new Claim(upstream, now));
    }

    /** As {@link #claimNext(String, Instant)}, among files smaller than {@code sizeBelow} bytes. */
    public Optional<Delivery> claimNext(String upstream, Instant now, long sizeBelow) throws LedgerException {
        return claimNext(new Claim(upstream, now, sizeBelow, Long.MAX_VALUE, Optional.empty(),
                path -> Classification.USUAL));
    }

    /**
     * Ranks the upstream's deliveries queued since its last claim, then claims the first due one as
     * {@link #CLAIM} orders them (or {@link #CLAIM_STARVED}), marking it {@code active} and counting the
     * attempt, in one transaction. A path that already has a delivery in flight to this upstream is skipped,
     * so two versions of one file never race to the same final name.
     */
    public Optional<Delivery> claimNext(Claim claim) throws LedgerException {
        return database.writeRelaxed("claim for " + claim.upstream(), db -> {
            classify(db, claim);
            Optional<Delivery> found = Optional.empty();
            if (claim.starvedBefore().isPresent()) {
                found = claimQuery(db, CLAIM_STARVED, claim, claim.starvedBefore().get().toEpochMilli());
            }
            if (found.isEmpty()) {
                found = claimQuery(db, CLAIM, claim);
            }
            if (found.isEmpty()) {
                return found;
            }
            try (PreparedStatement up = db.prepareStatement("UPDATE deliveries SET state = 'active',"
                    + " attempts = attempts + 1, updated_at = ?, temp_path = COALESCE(temp_path, ?) WHERE id = ?")) {
                Delivery d = found.get();
                Rows.bind(up, claim.now().toEpochMilli(), claim.tempOf() == null ? null
                        : claim.tempOf().apply(d.upstreamPath(), d.id()), d.id());
                up.executeUpdate();
            }
            return found;
        });
    }

    /** How many deliveries one claim ranks at most (the rest by the next claims; a resync may queue thousands). */
    private static final int CLASSIFY_BATCH = 2_000;

    private static void classify(java.sql.Connection db, Claim claim) throws SQLException {
        List<Object[]> ranked = new java.util.ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("""
                SELECT d.id, f.path FROM deliveries d JOIN files f ON f.id = d.file_id
                WHERE d.upstream = ? AND d.classified = 0 ORDER BY d.id LIMIT ?""")) {
            Rows.bind(q, claim.upstream(), CLASSIFY_BATCH);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Classification c = claim.classifier().apply(rs.getString(2));
                    ranked.add(new Object[] {c.priority(), c.exempt() ? 1 : 0, rs.getLong(1)});
                }
            }
        }
        if (ranked.isEmpty()) {
            return;
        }
        try (PreparedStatement up = db.prepareStatement(
                "UPDATE deliveries SET priority = ?, exempt = ?, classified = 1 WHERE id = ?")) {
            for (Object[] row : ranked) {
                Rows.bind(up, row);
                up.addBatch();
            }
            up.executeBatch();
        }
    }

    private static Optional<Delivery> claimQuery(java.sql.Connection db, String sql, Claim claim, Object... more)
            throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            Object[] values = new Object[4 + more.length];
            values[0] = claim.upstream();
            values[1] = claim.now().toEpochMilli();
            values[2] = claim.sizeBelow();
            values[3] = claim.budgetBelow();
            System.arraycopy(more, 0, values, 4, more.length);
            Rows.bind(q, values);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Delivery(rs.getLong(1), rs.getLong(2), claim.upstream(), rs.getString(3),
                        rs.getLong(4), rs.getString(5), rs.getInt(6) + 1, Instant.ofEpochMilli(rs.getLong(7)),
                        Optional.ofNullable(rs.getString(8)), Rows.stamp(rs, 9, rs.getLong(4)), rs.getInt(11),
                        rs.getInt(12) == 1, Optional.ofNullable(rs.getString(13))));
            }
        }
    }

    /** A delivery that waits for the budget: the first of its upstream that is due, not exempt, and too large. */
    public record Waiting(long id, String path, long size) {
    }

    /** The first due delivery (in claim order) that is not exempt and not smaller than {@code left} bytes. */
    public Optional<Waiting> firstNotFitting(String upstream, Instant now, long left) throws LedgerException {
        return database.read("waiting for the budget of " + upstream, db -> Rows.list(db, """
                SELECT d.id, f.path, f.size FROM deliveries d JOIN files f ON f.id = d.file_id
                WHERE d.upstream = ? AND d.state = 'pending' AND d.classified = 1 AND d.exempt = 0
                  AND +d.next_attempt_at <= ? AND f.size >= ?
                ORDER BY d.priority DESC, d.id LIMIT 1""", rs -> new Waiting(rs.getLong(1), rs.getString(2), rs.getLong(3)),
                upstream, now.toEpochMilli(), left).stream().findFirst());
    }

    /** Says why a pending delivery waits (its {@code error} in {@code queue}; cleared when it is delivered). */
    public void noteWaiting(long deliveryId, String why) throws LedgerException {
        database.writeRelaxed("note why " + deliveryId + " waits", db -> {
            try (PreparedStatement st = db.prepareStatement("UPDATE deliveries SET last_error = ? WHERE id = ?"
                    + " AND state = 'pending' AND (last_error IS NULL OR last_error <> ?)")) {
                Rows.bind(st, why, deliveryId, why);
                st.executeUpdate();
            }
            return null;
        });
    }

    /**
     * {@code sync.priorities} or {@code budget-exempt} changed: the upstream's deliveries still owed are ranked
     * again by its next claim.
     */
    public int reclassify(String upstream) throws LedgerException {
        return database.writeRelaxed("rank " + upstream + "'s deliveries again", db -> {
            try (PreparedStatement st = db.prepareStatement("""
                    UPDATE deliveries SET classified = 0
                    WHERE upstream = ? AND state IN ('pending', 'active', 'parked', 'standby') AND classified = 1""")) {
                Rows.bind(st, upstream);
                return st.executeUpdate();
            }
        });
    }

    /**
     * The wall clock was stepped back by {@code back}: every waiting delivery's due time moves back as much,
     * so that a retry due in a minute is not held for an hour (due times are wall-clock instants, as they
     * must be across restarts). Deliveries recorded after the step were due at once and stay so.
     *
     * @return how many deliveries moved
     */
    public int dueTimesBack(Duration back) throws LedgerException {
        return database.writeRelaxed("move due times back by " + back, db -> {
            try (PreparedStatement st = db.prepareStatement(
                    "UPDATE deliveries SET next_attempt_at = next_attempt_at - ? WHERE state = 'pending'")) {
                Rows.bind(st, back.toMillis());
                return st.executeUpdate();
            }
        });
    }

    /** When the next pending delivery for {@code upstream} falls due, if there is one. */
    public Optional<Instant> nextDue(String upstream) throws LedgerException {
        return nextDue(upstream, Long.MAX_VALUE);
    }

    /**
     * When the next pending delivery for {@code upstream} that fits the budget left falls due: one smaller
     * than {@code budgetBelow} bytes, exempt from the budget, or not ranked yet (its claim will tell).
     */
    public Optional<Instant> nextDue(String upstream, long budgetBelow) throws LedgerException {
        return database.read("next due for " + upstream, db -> {
            try (PreparedStatement q = db.prepareStatement(budgetBelow == Long.MAX_VALUE
                    ? "SELECT MIN(next_attempt_at) FROM deliveries WHERE upstream = ? AND state = 'pending'"
                    : """
                    SELECT MIN(d.next_attempt_at) FROM deliveries d JOIN files f ON f.id = d.file_id
                    WHERE d.upstream = ? AND d.state = 'pending'
                      AND (d.exempt = 1 OR d.classified = 0 OR f.size < ?)""")) {
                q.setString(1, upstream);
                if (budgetBelow != Long.MAX_VALUE) {
                    q.setLong(2, budgetBelow);
                }
                try (ResultSet rs = q.executeQuery()) {
                    long v = rs.next() ? rs.getLong(1) : 0;
                    return rs.wasNull() ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(v));
                }
            }
        });
    }

    private static final String DELIVERED =
            "state = 'delivered', delivered_at = ?, updated_at = ?, duration_ms = ?, last_error = NULL";

    public void delivered(long deliveryId, Instant at, Duration took) throws LedgerException {
        database.writeRelaxed("update delivery " + deliveryId, deliveredWork(deliveryId, at, took));
    }

    private static Database.Work<Void> deliveredWork(long deliveryId, Instant at, Duration took) {
        Database.Work<Void> finish = finishing(deliveryId, false, DELIVERED, at.toEpochMilli(), at.toEpochMilli(),
                took.toMillis());
        return db -> {
            finish.run(db);
            try (PreparedStatement st = db.prepareStatement("""
                    INSERT INTO totals (name, value) SELECT 'delivered.' || upstream, 1 FROM deliveries WHERE id = ?
                    ON CONFLICT (name) DO UPDATE SET value = value + 1""")) {
                Rows.bind(st, deliveryId);
                st.executeUpdate();
            }
            return null;
        };
    }

    /**
     * As {@link #delivered}, without waiting for the commit: the next use of the ledger commits it (in the
     * sync loop, the worker's next claim, in the same transaction: one commit per file instead of two). A
     * failure (the delivery was cancelled meanwhile) is logged. Lost only with the agent, when the file is
     * sent again, which the upstream's rename makes harmless.
     */
    public void deliveredWithoutWaiting(long deliveryId, Instant at, Duration took) {
        database.writeRelaxedWithoutWaiting("update delivery " + deliveryId, deliveredWork(deliveryId, at, took));
    }

    /**
     * Schedules another attempt.
     *
     * @param tempWritten the upstream temporary this attempt wrote to, if it got that far
     */
    public void retryLater(long deliveryId, Instant now, Instant next, String error, Optional<String> tempWritten)
            throws LedgerException {
        finish(deliveryId, false, "state = 'pending', next_attempt_at = ?, updated_at = ?, last_error = ?,"
                + " temp_path = COALESCE(?, temp_path)", next.toEpochMilli(), now.toEpochMilli(), error,
                tempWritten.orElse(null));
    }

    /** Gives up on a delivery until an operator retries it; its upstream temporary, if any, is to be removed. */
    public void park(long deliveryId, Instant now, String reason, Optional<String> tempWritten) throws LedgerException {
        finish(deliveryId, true, "state = 'parked', updated_at = ?, last_error = ?, temp_path = COALESCE(?, temp_path)",
                now.toEpochMilli(), reason, tempWritten.orElse(null));
    }

    /**
     * The delivery is not wanted any more (a newer version of its path was recorded, or its device withdrew the
     * file); its upstream temporary, if any, is to be removed.
     *
     * @param tempWritten the upstream temporary this attempt wrote to, if it got that far
     */
    public void supersede(long deliveryId, Instant now, Optional<String> tempWritten) throws LedgerException {
        finish(deliveryId, true, "state = 'superseded', updated_at = ?, temp_path = COALESCE(?, temp_path)",
                now.toEpochMilli(), tempWritten.orElse(null));
    }

    /**
     * Records, before the first byte goes up, that this delivery writes the upstream temporary
     * {@code tempPath}; only a temporary recorded here may later be resumed or cleaned up.
     */
    public void tempStarted(long deliveryId, String tempPath) throws LedgerException {
        database.writeRelaxed("record temporary of " + deliveryId, db -> {
            try (PreparedStatement st = db.prepareStatement("UPDATE deliveries SET temp_path = ? WHERE id = ?")) {
                st.setString(1, tempPath);
                st.setLong(2, deliveryId);
                st.executeUpdate();
            }
            return null;
        });
    }

    /** Upstream temporaries that no delivery will finish, to be deleted by the next session to {@code upstream}. */
    public List<StaleTemp> staleTemps(String upstream, int limit) throws LedgerException {
        return database.read("stale temporaries of " + upstream, db -> Rows.list(db,
                "SELECT id, path FROM stale_temps WHERE upstream = ? ORDER BY id LIMIT ?",
                rs -> new StaleTemp(rs.getLong(1), rs.getString(2)), upstream, limit));
    }

    public void staleTempRemoved(long id) throws LedgerException {
        database.writeRelaxed("forget stale temporary " + id, db -> {
            try (PreparedStatement st = db.prepareStatement("DELETE FROM stale_temps WHERE id = ?")) {
                st.setLong(1, id);
                st.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Ends an {@code active} delivery; one that is not active (e.g. cancelled meanwhile) is an error. Like
     * every step of the sync loop it is a relaxed write: lost only in a power cut, when the file is sent again.
     *
     * @param abandonsTemp the delivery will not finish its upstream temporary (parked, superseded): it is
     *                     left for cleanup
     */
    private void finish(long id, boolean abandonsTemp, String assignments, Object... values) throws LedgerException {
        database.writeRelaxed("update delivery " + id, finishing(id, abandonsTemp, assignments, values));
    }

    private static Database.Work<Void> finishing(long id, boolean abandonsTemp, String assignments, Object... values) {
        return db -> {
            try (PreparedStatement st = db.prepareStatement(
                    "UPDATE deliveries SET " + assignments + " WHERE id = ? AND state = 'active'")) {
                for (int i = 0; i < values.length; i++) {
                    st.setObject(i + 1, values[i]);
                }
                st.setLong(values.length + 1, id);
                if (st.executeUpdate() != 1) {
                    throw new SQLException("delivery " + id + " is not active");
                }
            }
            if (abandonsTemp) {
                Rows.moveTempsToStale(db, "id = ?", id);
            }
            return null;
        };
    }

    /** The upstreams an operator paused (and did not resume): they stay paused across restarts. */
    public java.util.Set<String> pausedUpstreams() throws LedgerException {
        return database.read("list paused upstreams", db -> {
            java.util.Set<String> paused = new java.util.HashSet<>();
            try (Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT upstream FROM upstream_state WHERE paused = 1")) {
                while (rs.next()) {
                    paused.add(rs.getString(1));
                }
            }
            return paused;
        });
    }

    /** Records, durably, that an operator paused or resumed {@code upstream}. */
    public void setPaused(String upstream, boolean paused) throws LedgerException {
        database.write((paused ? "pause " : "resume ") + upstream, db -> {
            try (PreparedStatement st = db.prepareStatement("""
                    INSERT INTO upstream_state (upstream, paused) VALUES (?, ?)
                    ON CONFLICT (upstream) DO UPDATE SET paused = excluded.paused""")) {
                Rows.bind(st, upstream, paused ? 1 : 0);
                st.executeUpdate();
            }
            return null;
        });
    }
}
