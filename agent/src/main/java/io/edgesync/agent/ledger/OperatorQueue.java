package io.edgesync.agent.ledger;

import io.edgesync.agent.ledger.Ledger.OwedDelivery;
import io.edgesync.agent.ledger.Ledger.Page;
import io.edgesync.agent.ledger.Ledger.SpoolFile;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What an operator does with deliveries (the {@code retry}, {@code cancel}, {@code queue} and {@code resync}
 * commands): retry parked ones, cancel one, page through what is owed, queue files again. One role of the
 * {@link Ledger}, over its one {@link Database}: thread-safe, and a method that returns has committed (unless
 * it says otherwise).
 */
public final class OperatorQueue {
    private final Database database;

    OperatorQueue(Database database) {
        this.database = database;
    }

    /**
     * Parked deliveries (of one upstream, or all) become pending and due now.
     *
     * @return the deliveries retried, as they were before (parked)
     */
    public List<OwedDelivery> retryParked(Optional<String> upstream, Instant now) throws LedgerException {
        return database.write("retry parked deliveries", db -> {
            List<OwedDelivery> parked = owed(db, "d.state = 'parked' AND (? IS NULL OR d.upstream = ?)",
                    upstream.orElse(null), upstream.orElse(null));
            try (PreparedStatement st = db.prepareStatement("UPDATE deliveries SET state = 'pending', attempts = 0,"
                    + " next_attempt_at = ?, updated_at = ? WHERE state = 'parked' AND (? IS NULL OR upstream = ?)")) {
                Rows.bind(st, now.toEpochMilli(), now.toEpochMilli(), upstream.orElse(null), upstream.orElse(null));
                st.executeUpdate();
            }
            return parked;
        });
    }

    /** One delivery, in any state. */
    public Optional<OwedDelivery> delivery(long id) throws LedgerException {
        return database.read("look up delivery " + id, db -> owed(db, "d.id = ?", id).stream().findFirst());
    }

    /**
     * A parked or waiting delivery becomes due now, its attempts counted from zero.
     *
     * @return false when it was in another state (in flight, delivered, superseded) or does not exist
     */
    public boolean retryDelivery(long id, Instant now) throws LedgerException {
        return database.write("retry delivery " + id, db -> {
            try (PreparedStatement st = db.prepareStatement("UPDATE deliveries SET state = 'pending', attempts = 0,"
                    + " next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'parked', 'standby')")) {
                Rows.bind(st, now.toEpochMilli(), now.toEpochMilli(), id);
                return st.executeUpdate() == 1;
            }
        });
    }

    /**
     * A parked or waiting delivery will not be attempted again (state {@code superseded}, last error
     * "cancelled by operator"); its upstream temporary, if any, is left for cleanup.
     *
     * @return false when it was in another state or does not exist
     */
    public boolean cancel(long id, Instant now) throws LedgerException {
        return database.write("cancel delivery " + id, db -> {
            String which = "id = ? AND state IN ('pending', 'parked', 'standby')";
            Rows.moveTempsToStale(db, which, id);
            try (PreparedStatement st = db.prepareStatement("UPDATE deliveries SET state = 'superseded',"
                    + " last_error = 'cancelled by operator', updated_at = ? WHERE " + which)) {
                Rows.bind(st, now.toEpochMilli(), id);
                return st.executeUpdate() == 1;
            }
        });
    }

    /**
     * What is owed, oldest first: deliveries in {@code states} (pending, active, parked), of one upstream or
     * all; one page of them, and how many there are in all.
     */
    public Page<OwedDelivery> owed(List<DeliveryStatus> states, Optional<String> upstream, int offset, int limit)
            throws LedgerException {
        String where = "d.state IN (" + String.join(", ", Collections.nCopies(states.size(), "?"))
                + ") AND (? IS NULL OR d.upstream = ?)";
        List<Object> params = new ArrayList<>(states.stream().map(DeliveryStatus::label).toList());
        params.add(upstream.orElse(null));
        params.add(upstream.orElse(null));
        return database.read("list owed deliveries", db -> {
            long total;
            try (PreparedStatement q = db.prepareStatement("SELECT COUNT(*) FROM deliveries d WHERE " + where)) {
                Rows.bind(q, params.toArray());
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Object> paged = new ArrayList<>(params);
            paged.add(limit);
            paged.add(offset);
            return new Page<>(total, owed(db, where + " ORDER BY d.id LIMIT ? OFFSET ?", paged.toArray()));
        });
    }

    private static List<OwedDelivery> owed(Connection db, String where, Object... params) throws SQLException {
        return Rows.list(db, """
                SELECT d.id, f.path, d.upstream, f.size, d.state, d.attempts, d.next_attempt_at, f.received_at,
                       d.last_error, d.file_id, d.remote_path
                FROM deliveries d JOIN files f ON f.id = d.file_id WHERE\s""" + where,
                rs -> new OwedDelivery(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        DeliveryStatus.of(rs.getString(5)), rs.getInt(6), Instant.ofEpochMilli(rs.getLong(7)),
                        Instant.ofEpochMilli(rs.getLong(8)), Optional.ofNullable(rs.getString(9)), rs.getLong(10),
                        Optional.ofNullable(rs.getString(11))), params);
    }

    /** The current version of every path still in the spool (not deleted by retention), in the order received. */
    public List<SpoolFile> currentFiles() throws LedgerException {
        return database.read("list current files", db -> Rows.list(db, """
                SELECT f.id, f.path, f.size, f.user, f.received_at FROM files f
                WHERE f.deleted_at IS NULL AND f.withdrawn_at IS NULL AND f.published = 1
                  AND f.id = (SELECT MAX(g.id) FROM files g WHERE g.path = f.path)
                ORDER BY f.id""", Rows.SPOOL_FILE));
    }

    /**
     * Delivers these files to {@code upstream} again: one new pending delivery each, due now; what was
     * still owed for the same file and upstream is superseded by it (its temporary left for cleanup).
     */
    public int requeue(List<Long> fileIds, String upstream, Instant now) throws LedgerException {
        return requeue(fileIds.stream().collect(java.util.stream.Collectors.toMap(id -> id,
                id -> new Intake.Route(upstream, false, Optional.empty()), (a, b) -> a, java.util.LinkedHashMap::new)),
                now);
    }

    /**
     * As {@link #requeue(List, String, Instant)}, each file owed as its route says. A file keeps the upstream path
     * its template made when it was received: a route's own path counts only for a file never owed there before.
     */
    public int requeue(java.util.Map<Long, Intake.Route> routes, Instant now) throws LedgerException {
        return database.write("requeue " + routes.size() + " file(s)", db -> {
            long at = now.toEpochMilli();
            String owed = "state IN ('pending', 'parked', 'standby') AND file_id = ? AND upstream = ?";
            try (PreparedStatement supersede = db.prepareStatement(
                         "UPDATE deliveries SET state = 'superseded', updated_at = ? WHERE " + owed);
                 PreparedStatement ins = db.prepareStatement("""
                         INSERT INTO deliveries (file_id, upstream, state, next_attempt_at, created_at, updated_at,
                                                 remote_path)
                         VALUES (?, ?, ?, ?, ?, ?, COALESCE((SELECT remote_path FROM deliveries
                                                             WHERE file_id = ? AND upstream = ? ORDER BY id LIMIT 1), ?))""")) {
                for (java.util.Map.Entry<Long, Intake.Route> e : routes.entrySet()) {
                    long fileId = e.getKey();
                    Intake.Route route = e.getValue();
                    Rows.moveTempsToStale(db, owed, fileId, route.upstream());
                    Rows.bind(supersede, at, fileId, route.upstream());
                    supersede.executeUpdate();
                    Rows.bind(ins, fileId, route.upstream(), route.standby() ? "standby" : "pending", at, at, at,
                            fileId, route.upstream(), route.remotePath().orElse(null));
                    ins.executeUpdate();
                }
            }
            return routes.size();
        });
    }
}
