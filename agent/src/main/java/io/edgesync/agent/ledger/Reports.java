package io.edgesync.agent.ledger;

import io.edgesync.agent.ledger.Ledger.DeliveryState;
import io.edgesync.agent.ledger.Ledger.Totals;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Read-only views for the status, the metrics and the technicians' SITE commands: backlog, totals, recent
 * transfers, each device's last upload. One role of the {@link Ledger}, over its one {@link Database}:
 * thread-safe, and a method that returns has committed (unless it says otherwise).
 */
public final class Reports {
    private final Database database;

    Reports(Database database) {
        this.database = database;
    }

    /**
     * Counts of what is owed, from the index alone (history does not slow it down), deliveries made since the
     * ledger began (kept in {@code totals}), and the age of the oldest owed file.
     */
    public Backlog backlog(String upstream) throws LedgerException {
        return database.read("backlog of " + upstream, db -> {
            long owed = 0;
            long parked = 0;
            long delivered = 0;
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT state, COUNT(*) FROM deliveries WHERE upstream = ? AND state IN ('pending', 'active', 'parked')
                    GROUP BY state""")) {
                q.setString(1, upstream);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        if (DeliveryStatus.of(rs.getString(1)) == DeliveryStatus.PARKED) {
                            parked = rs.getLong(2);
                        } else {
                            owed += rs.getLong(2);
                        }
                    }
                }
            }
            try (PreparedStatement q = db.prepareStatement("SELECT value FROM totals WHERE name = ?")) {
                q.setString(1, "delivered." + upstream);
                try (ResultSet rs = q.executeQuery()) {
                    delivered = rs.next() ? rs.getLong(1) : 0;
                }
            }
            Optional<Instant> oldestAt = Optional.empty();
            if (owed > 0) {
                // the first owed delivery of each state, found by an index seek (deliveries_claim), not a scan
                try (PreparedStatement q = db.prepareStatement("""
                        SELECT f.received_at FROM deliveries d JOIN files f ON f.id = d.file_id
                        WHERE d.id = (SELECT MIN(id) FROM deliveries WHERE upstream = ? AND state = ?)""")) {
                    for (String state : List.of("pending", "active")) {
                        Rows.bind(q, upstream, state);
                        try (ResultSet rs = q.executeQuery()) {
                            if (rs.next()) {
                                Instant at = Instant.ofEpochMilli(rs.getLong(1));
                                oldestAt = oldestAt.filter(o -> o.isBefore(at)).or(() -> Optional.of(at));
                            }
                        }
                    }
                }
            }
            return new Backlog(owed, parked, delivered, oldestAt);
        });
    }

    /** How many deliveries each upstream (by the name the ledger knows) is still owed, in all states owed. */
    public java.util.Map<String, Long> owedByUpstream() throws LedgerException {
        return database.read("count owed per upstream", db -> {
            java.util.Map<String, Long> out = new java.util.TreeMap<>();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT upstream, COUNT(*) FROM deliveries WHERE state IN ('pending', 'active', 'parked', 'standby')
                    GROUP BY upstream""")) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
            return out;
        });
    }

    /** How many files, and bytes, were ever received (kept in {@code totals}: history pruning does not change it). */
    public Totals received() throws LedgerException {
        return database.read("count received files", db -> {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT (SELECT value FROM totals WHERE name = 'received.files'),
                           (SELECT value FROM totals WHERE name = 'received.bytes')""")) {
                rs.next();
                return new Totals(rs.getLong(1), rs.getLong(2));
            }
        });
    }

    /** How many received files, and bytes, are still in the spool (their current versions, not deleted). */
    public Totals inSpool() throws LedgerException {
        return database.read("count spool files", db -> {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT COUNT(*), COALESCE(SUM(f.size), 0) FROM files f
                    WHERE f.deleted_at IS NULL AND f.withdrawn_at IS NULL AND f.published = 1
                      AND f.id = (SELECT MAX(g.id) FROM files g WHERE g.path = f.path)""")) {
                rs.next();
                return new Totals(rs.getLong(1), rs.getLong(2));
            }
        });
    }

    /** Where the current version of {@code path} stands with each upstream it is routed to. */
    public List<DeliveryState> deliveriesOf(String path) throws LedgerException {
        return database.read("look up deliveries of " + path, db -> Rows.list(db, """
                SELECT d.upstream, d.state, d.attempts, d.next_attempt_at, d.updated_at, d.last_error
                FROM deliveries d WHERE d.file_id = (SELECT MAX(id) FROM files WHERE path = ?)
                ORDER BY d.upstream""", rs -> new DeliveryState(rs.getString(1), DeliveryStatus.of(rs.getString(2)), rs.getInt(3),
                Instant.ofEpochMilli(rs.getLong(4)), Instant.ofEpochMilli(rs.getLong(5)),
                Optional.ofNullable(rs.getString(6))), path));
    }

    /** The most recent finished deliveries (delivered or parked), newest first. */
    public List<Transfer> recentTransfers(int limit) throws LedgerException {
        return recentTransfers(Optional.empty(), 0, limit);
    }

    /** A page of finished deliveries (delivered or parked) of one upstream or all, newest first. */
    public List<Transfer> recentTransfers(Optional<String> upstream, int offset, int limit) throws LedgerException {
        return database.read("recent transfers", db -> Rows.list(db, """
                SELECT d.id, f.path, d.upstream, f.size, d.state, d.attempts, d.updated_at, d.duration_ms, d.last_error,
                       d.file_id
                FROM deliveries d JOIN files f ON f.id = d.file_id
                WHERE d.state IN ('delivered', 'parked') AND (? IS NULL OR d.upstream = ?)
                ORDER BY d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?""", rs -> {
            long ms = rs.getLong(8);
            Optional<Duration> took = rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
            return new Transfer(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                    DeliveryStatus.of(rs.getString(5)),
                    rs.getInt(6), Instant.ofEpochMilli(rs.getLong(7)), took, Optional.ofNullable(rs.getString(9)), rs.getLong(10));
        }, upstream.orElse(null), upstream.orElse(null), limit, offset));
    }

    /** When each FTP user's last complete upload was received. */
    public java.util.Map<String, Instant> lastUploads() throws LedgerException {
        return database.read("last upload per user", db -> {
            try (Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT user, at FROM last_upload")) {
                java.util.Map<String, Instant> out = new java.util.HashMap<>();
                while (rs.next()) {
                    out.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
                }
                return out;
            }
        });
    }
}
