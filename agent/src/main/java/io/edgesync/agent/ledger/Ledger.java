package io.edgesync.agent.ledger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The durable record of every received file and of each (file, upstream) delivery, in SQLite (WAL,
 * {@code synchronous=FULL}): a method that returns has committed. Thread-safe: every call runs under the
 * {@link Database}'s one connection and lock. Every failure is a {@link LedgerException} and leaves the
 * ledger as it was.
 *
 * <p>Delivery states: {@code pending} (waiting, maybe until {@code next_attempt_at}), {@code active} (a
 * worker has it), {@code delivered}, {@code parked} (gave up; an operator may retry), {@code superseded}
 * (a newer upload of the same path will be delivered instead).
 */
public final class Ledger implements AutoCloseable {
    /**
     * The oldest due delivery of an upstream whose path has none in flight. The unary {@code +} keeps SQLite
     * off the due-time index: with it, the planner took every due row and sorted them for the
     * {@code ORDER BY} (0.74 ms a claim with 2,000 owed); walking the claim index in id order stops at the
     * first due row (8.5 µs).
     */
    static final String CLAIM = """
                    SELECT d.id, d.file_id, f.path, f.size, f.sha256, d.attempts, f.received_at, d.temp_path,
                           f.file_key, f.mtime_ns
                    FROM deliveries d JOIN files f ON f.id = d.file_id
                    WHERE d.upstream = ? AND d.state = 'pending' AND +d.next_attempt_at <= ? AND f.size < ?
                      AND f.published = 1
                      AND NOT EXISTS (SELECT 1 FROM deliveries a JOIN files af ON af.id = a.file_id
                                      WHERE a.upstream = d.upstream AND a.state = 'active' AND af.path = f.path)
                    ORDER BY d.id LIMIT 1""";

    private final Database database;

    private Ledger(Database database) {
        this.database = database;
    }

    /**
     * Opens (creating if needed) the ledger at {@code file}, checks its integrity and migrates its schema.
     */
    public static Ledger open(Path file) throws LedgerException {
        return new Ledger(Database.open(file));
    }

    /**
     * Records a complete upload that is already in place in the spool, with one pending delivery per
     * upstream, in one transaction: {@link #recordUnpublished} and {@link #published} at once.
     *
     * @return the file's id
     */
    public long recordReceived(ReceivedFile file, List<String> upstreams) throws LedgerException {
        return database.write("record " + file.path(), db -> {
            long fileId = insertFile(db, file, upstreams);
            publish(db, fileId, file.path(), file.receivedAt().toEpochMilli());
            return fileId;
        });
    }

    /**
     * Records a complete upload durably before it is renamed into the spool, with one pending delivery per
     * upstream that no worker may claim yet. Then either {@link #published} (the file is in place) or
     * {@link #discardUnpublished} (it never got there). A crash in between is settled at the next start from
     * what is on disk ({@link #unpublished()}). Older versions of the path keep what they are owed until the
     * new one is in place.
     *
     * @return the file's id
     */
    public long recordUnpublished(ReceivedFile file, List<String> upstreams) throws LedgerException {
        return database.write("record " + file.path(), db -> insertFile(db, file, upstreams));
    }

    private static long insertFile(Connection db, ReceivedFile file, List<String> upstreams) throws SQLException {
        long now = file.receivedAt().toEpochMilli();
        long fileId;
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO files (path, size, sha256, received_at, user, client_ip, published, file_key, mtime_ns)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)""", Statement.RETURN_GENERATED_KEYS)) {
            bind(ins, file.path(), file.size(), file.sha256(), now, file.user(), file.clientIp(),
                    file.stamp().map(SpoolStamp::fileKey).orElse(null),
                    file.stamp().map(SpoolStamp::modifiedNanos).orElse(null));
            ins.executeUpdate();
            try (ResultSet keys = ins.getGeneratedKeys()) {
                keys.next();
                fileId = keys.getLong(1);
            }
        }
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO deliveries (file_id, upstream, state, next_attempt_at, created_at, updated_at)
                VALUES (?, ?, 'pending', ?, ?, ?)""")) {
            for (String upstream : upstreams) {
                bind(ins, fileId, upstream, now, now, now);
                ins.addBatch();
            }
            ins.executeBatch();
        }
        return fileId;
    }

    /**
     * The file recorded by {@link #recordUnpublished} is in place: its deliveries may be claimed, and what
     * older versions of its path still owed is superseded. Does not wait for the commit (the next use of the
     * ledger commits it, before any claim); lost only with the agent, when the start settles it again.
     */
    public void published(long fileId, String path, Instant at) {
        database.writeRelaxedWithoutWaiting("publish " + path, db -> {
            publish(db, fileId, path, at.toEpochMilli());
            return null;
        });
    }

    private static void publish(Connection db, long fileId, String path, long now) throws SQLException {
        long size;
        String user;
        long receivedAt;
        try (PreparedStatement q = db.prepareStatement(
                "SELECT size, user, received_at FROM files WHERE id = ? AND published = 0")) {
            bind(q, fileId);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return; // published already, or forgotten
                }
                size = rs.getLong(1);
                user = rs.getString(2);
                receivedAt = rs.getLong(3);
            }
        }
        try (PreparedStatement up = db.prepareStatement("UPDATE files SET published = 1 WHERE id = ?");
             PreparedStatement last = db.prepareStatement("""
                     INSERT INTO last_upload (user, at) VALUES (?, ?)
                     ON CONFLICT (user) DO UPDATE SET at = MAX(at, excluded.at)""")) {
            bind(up, fileId);
            up.executeUpdate();
            bind(last, user, receivedAt);
            last.executeUpdate();
        }
        addTotal(db, "received.files", 1);
        addTotal(db, "received.bytes", size);
        try (PreparedStatement replaced = db.prepareStatement(
                "UPDATE files SET replaced_at = ? WHERE path = ? AND id < ? AND replaced_at IS NULL")) {
            bind(replaced, now, path, fileId);
            replaced.executeUpdate();
        }
        supersedeOwed(db, "file_id IN (SELECT id FROM files WHERE path = ? AND id < ?)", now, path, fileId);
    }

    private static void addTotal(Connection db, String name, long delta) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("""
                INSERT INTO totals (name, value) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET value = value + excluded.value""")) {
            bind(st, name, delta);
            st.executeUpdate();
        }
    }

    /** The upload recorded by {@link #recordUnpublished} never got into place: it is forgotten, durably. */
    public void discardUnpublished(long fileId) throws LedgerException {
        database.write("forget unpublished file " + fileId, db -> {
            forgetUnpublished(db, fileId);
            return null;
        });
    }

    private static void forgetUnpublished(Connection db, long fileId) throws SQLException {
        try (PreparedStatement del = db.prepareStatement(
                "DELETE FROM deliveries WHERE file_id = ? AND (SELECT published FROM files WHERE id = ?) = 0");
             PreparedStatement file = db.prepareStatement("DELETE FROM files WHERE id = ? AND published = 0")) {
            bind(del, fileId, fileId);
            del.executeUpdate();
            bind(file, fileId);
            file.executeUpdate();
        }
    }

    /** Uploads recorded but not known to be in place (a crash came between): for the start to settle. */
    public List<Version> unpublished() throws LedgerException {
        return database.read("list unpublished files", db -> versions(db,
                "SELECT id, path, size, sha256, file_key, mtime_ns FROM files WHERE published = 0 ORDER BY id"));
    }

    /** The newest version of {@code path} that was in place, unless it was deleted since. */
    public Optional<Version> currentVersion(String path) throws LedgerException {
        return database.read("look up " + path, db -> versions(db, """
                SELECT id, path, size, sha256, file_key, mtime_ns FROM files
                WHERE path = ? AND published = 1 AND deleted_at IS NULL AND withdrawn_at IS NULL
                ORDER BY id DESC LIMIT 1""", path).stream().findFirst());
    }

    /** At start: an upload the ledger recorded is in the spool after all (the crash came after its rename). */
    public void publishNow(long fileId, String path, Instant at) throws LedgerException {
        database.write("publish " + path, db -> {
            publish(db, fileId, path, at.toEpochMilli());
            return null;
        });
    }

    /** The file's spool copy has a new inode with the same bytes (checked by its SHA-256): the stamp follows. */
    public void restamp(long fileId, SpoolStamp stamp) throws LedgerException {
        database.writeRelaxed("restamp file " + fileId, db -> {
            try (PreparedStatement st = db.prepareStatement("UPDATE files SET file_key = ?, mtime_ns = ? WHERE id = ?")) {
                bind(st, stamp.fileKey(), stamp.modifiedNanos(), fileId);
                st.executeUpdate();
            }
            return null;
        });
    }

    private static List<Version> versions(Connection db, String sql, Object... params) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            bind(q, params);
            List<Version> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new Version(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                            stamp(rs, 5, rs.getLong(3))));
                }
            }
            return out;
        }
    }

    private static Optional<SpoolStamp> stamp(ResultSet rs, int keyColumn, long size) throws SQLException {
        String key = rs.getString(keyColumn);
        long mtime = rs.getLong(keyColumn + 1);
        return key == null || rs.wasNull() ? Optional.empty() : Optional.of(new SpoolStamp(key, size, mtime));
    }

    /** One recorded version of a spool path. */
    public record Version(long fileId, String path, long size, String sha256, Optional<SpoolStamp> stamp) {
    }

    /** Where a recorded version stands now. */
    public enum Standing {
        /** the newest version of its path that is in place */
        CURRENT,
        /** a newer upload of the path was recorded */
        SUPERSEDED,
        /** the device deleted the file or renamed it away */
        WITHDRAWN
    }

    /** Where file {@code fileId} stands: still the path's current version, replaced, or withdrawn. */
    public Standing standing(long fileId) throws LedgerException {
        return database.read("look up file " + fileId, db -> {
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT f.withdrawn_at IS NOT NULL,
                           EXISTS (SELECT 1 FROM files g WHERE g.path = f.path AND g.id > f.id)
                    FROM files f WHERE f.id = ?""")) {
                bind(q, fileId);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return Standing.WITHDRAWN;
                    }
                    return rs.getBoolean(2) ? Standing.SUPERSEDED : rs.getBoolean(1) ? Standing.WITHDRAWN : Standing.CURRENT;
                }
            }
        });
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
        return claimNext(upstream, now, Long.MAX_VALUE);
    }

    /** As {@link #claimNext(String, Instant)}, among files smaller than {@code sizeBelow} bytes. */
    public Optional<Delivery> claimNext(String upstream, Instant now, long sizeBelow) throws LedgerException {
        return database.writeRelaxed("claim for " + upstream, db -> {
            Delivery found;
            try (PreparedStatement q = db.prepareStatement(CLAIM)) {
                q.setString(1, upstream);
                q.setLong(2, now.toEpochMilli());
                q.setLong(3, sizeBelow);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    found = new Delivery(rs.getLong(1), rs.getLong(2), upstream, rs.getString(3), rs.getLong(4),
                            rs.getString(5), rs.getInt(6) + 1, Instant.ofEpochMilli(rs.getLong(7)),
                            Optional.ofNullable(rs.getString(8)), stamp(rs, 9, rs.getLong(4)));
                }
            }
            try (PreparedStatement up = db.prepareStatement(
                    "UPDATE deliveries SET state = 'active', attempts = attempts + 1, updated_at = ? WHERE id = ?")) {
                up.setLong(1, now.toEpochMilli());
                up.setLong(2, found.id());
                up.executeUpdate();
            }
            return Optional.of(found);
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
                bind(st, back.toMillis());
                return st.executeUpdate();
            }
        });
    }

    /** When the next pending delivery for {@code upstream} falls due, if there is one. */
    public Optional<Instant> nextDue(String upstream) throws LedgerException {
        return database.read("next due for " + upstream, db -> {
            try (PreparedStatement q = db.prepareStatement(
                    "SELECT MIN(next_attempt_at) FROM deliveries WHERE upstream = ? AND state = 'pending'")) {
                q.setString(1, upstream);
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
                bind(st, deliveryId);
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

    /**
     * The path no longer holds the file its pending deliveries were made for (the device renamed or deleted
     * it): those deliveries are superseded.
     *
     * @return how many deliveries were withdrawn
     */
    public int withdraw(String path, Instant now) throws LedgerException {
        return database.write("withdraw " + path, db -> {
            try (PreparedStatement st = db.prepareStatement(
                    "UPDATE files SET withdrawn_at = ? WHERE path = ? AND published = 1 AND withdrawn_at IS NULL")) {
                bind(st, now.toEpochMilli(), path);
                st.executeUpdate();
            }
            return supersedeOwed(db, "file_id IN (SELECT id FROM files WHERE path = ? AND published = 1)",
                    now.toEpochMilli(), path);
        });
    }

    /**
     * What is still owed (pending or parked) for the files {@code whichFiles} selects becomes superseded, their
     * upstream temporaries left for cleanup; deliveries in flight finish, and find out when they look.
     *
     * @return how many deliveries
     */
    private static int supersedeOwed(Connection db, String whichFiles, long now, Object... params) throws SQLException {
        String owed = "state IN ('pending', 'parked') AND " + whichFiles;
        moveTempsToStale(db, owed, params);
        try (PreparedStatement st = db.prepareStatement(
                "UPDATE deliveries SET state = 'superseded', updated_at = ? WHERE " + owed)) {
            st.setLong(1, now);
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 2, params[i]);
            }
            return st.executeUpdate();
        }
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
                bind(st, now.toEpochMilli(), now.toEpochMilli(), upstream.orElse(null), upstream.orElse(null));
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
                    + " next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'parked')")) {
                bind(st, now.toEpochMilli(), now.toEpochMilli(), id);
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
            String which = "id = ? AND state IN ('pending', 'parked')";
            moveTempsToStale(db, which, id);
            try (PreparedStatement st = db.prepareStatement("UPDATE deliveries SET state = 'superseded',"
                    + " last_error = 'cancelled by operator', updated_at = ? WHERE " + which)) {
                bind(st, now.toEpochMilli(), id);
                return st.executeUpdate() == 1;
            }
        });
    }

    /**
     * What is owed, oldest first: deliveries in {@code states} (pending, active, parked), of one upstream or
     * all; one page of them, and how many there are in all.
     */
    public Page<OwedDelivery> owed(List<String> states, Optional<String> upstream, int offset, int limit)
            throws LedgerException {
        String where = "d.state IN (" + String.join(", ", Collections.nCopies(states.size(), "?"))
                + ") AND (? IS NULL OR d.upstream = ?)";
        List<Object> params = new ArrayList<>(states);
        params.add(upstream.orElse(null));
        params.add(upstream.orElse(null));
        return database.read("list owed deliveries", db -> {
            long total;
            try (PreparedStatement q = db.prepareStatement("SELECT COUNT(*) FROM deliveries d WHERE " + where)) {
                bind(q, params.toArray());
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
        try (PreparedStatement q = db.prepareStatement("""
                SELECT d.id, f.path, d.upstream, f.size, d.state, d.attempts, d.next_attempt_at, f.received_at,
                       d.last_error
                FROM deliveries d JOIN files f ON f.id = d.file_id WHERE\s""" + where)) {
            bind(q, params);
            List<OwedDelivery> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new OwedDelivery(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                            rs.getString(5), rs.getInt(6), Instant.ofEpochMilli(rs.getLong(7)),
                            Instant.ofEpochMilli(rs.getLong(8)), Optional.ofNullable(rs.getString(9))));
                }
            }
            return out;
        }
    }

    private static void bind(PreparedStatement st, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            st.setObject(i + 1, params[i]);
        }
    }

    /** A delivery as operators see it in the queue. */
    public record OwedDelivery(long id, String path, String upstream, long size, String state, int attempts,
                               Instant nextAttemptAt, Instant receivedAt, Optional<String> lastError) {
    }

    /** One page of a longer list, and how long the list is. */
    public record Page<T>(long total, List<T> items) {
        public Page {
            items = List.copyOf(items);
        }
    }

    /** The current version of every path still in the spool (not deleted by retention), in the order received. */
    public List<SpoolFile> currentFiles() throws LedgerException {
        return database.read("list current files", db -> {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT f.id, f.path, f.size FROM files f
                    WHERE f.deleted_at IS NULL AND f.withdrawn_at IS NULL AND f.published = 1
                      AND f.id = (SELECT MAX(g.id) FROM files g WHERE g.path = f.path)
                    ORDER BY f.id""")) {
                List<SpoolFile> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new SpoolFile(rs.getLong(1), rs.getString(2), rs.getLong(3)));
                }
                return out;
            }
        });
    }

    /**
     * Delivers these files to {@code upstream} again: one new pending delivery each, due now; what was
     * still owed for the same file and upstream is superseded by it (its temporary left for cleanup).
     */
    public int requeue(List<Long> fileIds, String upstream, Instant now) throws LedgerException {
        return database.write("requeue " + fileIds.size() + " file(s) for " + upstream, db -> {
            long at = now.toEpochMilli();
            String owed = "state IN ('pending', 'parked') AND file_id = ? AND upstream = ?";
            try (PreparedStatement supersede = db.prepareStatement(
                         "UPDATE deliveries SET state = 'superseded', updated_at = ? WHERE " + owed);
                 PreparedStatement ins = db.prepareStatement("""
                         INSERT INTO deliveries (file_id, upstream, state, next_attempt_at, created_at, updated_at)
                         VALUES (?, ?, 'pending', ?, ?, ?)""")) {
                for (long fileId : fileIds) {
                    moveTempsToStale(db, owed, fileId, upstream);
                    bind(supersede, at, fileId, upstream);
                    supersede.executeUpdate();
                    bind(ins, fileId, upstream, at, at, at);
                    ins.executeUpdate();
                }
            }
            return fileIds.size();
        });
    }

    /** Upstream temporaries that no delivery will finish, to be deleted by the next session to {@code upstream}. */
    public List<StaleTemp> staleTemps(String upstream, int limit) throws LedgerException {
        return database.read("stale temporaries of " + upstream, db -> {
            try (PreparedStatement q = db.prepareStatement(
                    "SELECT id, path FROM stale_temps WHERE upstream = ? ORDER BY id LIMIT ?")) {
                q.setString(1, upstream);
                q.setInt(2, limit);
                List<StaleTemp> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.add(new StaleTemp(rs.getLong(1), rs.getString(2)));
                    }
                }
                return out;
            }
        });
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

    /** An upstream temporary left by a delivery that was parked or superseded. */
    public record StaleTemp(long id, String path) {
    }

    /**
     * Spool files every upstream has (or that no upstream takes), oldest first, still on disk, received
     * before {@code before}, and still the current version of their path.
     */
    public List<SpoolFile> deletable(Instant before, int limit) throws LedgerException {
        return deletable(before, -1, limit);
    }

    /** Whether file {@code fileId} is still deletable (checked again under the spool lock before deleting). */
    public boolean stillDeletable(long fileId) throws LedgerException {
        return !deletable(Instant.ofEpochMilli(Long.MAX_VALUE), fileId, 1).isEmpty();
    }

    private List<SpoolFile> deletable(Instant before, long onlyId, int limit) throws LedgerException {
        return database.read("retention candidates", db -> {
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT f.id, f.path, f.size FROM files f
                    WHERE f.deleted_at IS NULL AND f.withdrawn_at IS NULL AND f.published = 1
                      AND f.received_at < ? AND (? < 0 OR f.id = ?)
                      AND f.id = (SELECT MAX(g.id) FROM files g WHERE g.path = f.path)
                      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.file_id = f.id
                                      AND d.state IN ('pending', 'active', 'parked'))
                    ORDER BY f.id LIMIT ?""")) {
                q.setLong(1, before.toEpochMilli());
                q.setLong(2, onlyId);
                q.setLong(3, onlyId);
                q.setInt(4, limit);
                List<SpoolFile> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.add(new SpoolFile(rs.getLong(1), rs.getString(2), rs.getLong(3)));
                    }
                }
                return out;
            }
        });
    }

    /** Records that retention deleted the spool copy of {@code fileId}. */
    public void spoolDeleted(long fileId, Instant now) throws LedgerException {
        database.write("mark " + fileId + " deleted", db -> {
            try (PreparedStatement st = db.prepareStatement("UPDATE files SET deleted_at = ? WHERE id = ?")) {
                st.setLong(1, now.toEpochMilli());
                st.setLong(2, fileId);
                st.executeUpdate();
            }
            return null;
        });
    }

    /** A received file's spool copy. */
    public record SpoolFile(long id, String path, long size) {
    }

    /** Whether any file under {@code folder} still has a delivery waiting, in flight or parked. */
    public boolean owesUnder(String folder) throws LedgerException {
        return owed(folder).files() > 0;
    }

    /**
     * The files at spool path {@code path}, or under it when it is a folder, that are still owed to an upstream
     * (waiting, in flight or parked), and their bytes: what a device's quota counts. Paths under a folder are
     * a range ({@code path/} up to {@code path0}, '0' following '/'), which the path index answers.
     */
    public Totals owed(String path) throws LedgerException {
        return database.read("look up owed at " + path, db -> {
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT COUNT(*), COALESCE(SUM(f.size), 0) FROM files f
                    WHERE (f.path = ? OR f.path >= ? AND f.path < ?) AND f.withdrawn_at IS NULL
                      AND EXISTS (SELECT 1 FROM deliveries d WHERE d.file_id = f.id
                                  AND d.state IN ('pending', 'active', 'parked'))""")) {
                bind(q, path, path + "/", path + "0");
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    return new Totals(rs.getLong(1), rs.getLong(2));
                }
            }
        });
    }

    /** The deliveries' temporaries go to the cleanup list, once: the deliveries forget them. */
    private static void moveTempsToStale(Connection db, String whichDeliveries, Object... params) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("INSERT INTO stale_temps (upstream, path)"
                + " SELECT upstream, temp_path FROM deliveries WHERE temp_path IS NOT NULL AND " + whichDeliveries);
             PreparedStatement forget = db.prepareStatement("UPDATE deliveries SET temp_path = NULL"
                     + " WHERE temp_path IS NOT NULL AND " + whichDeliveries)) {
            bind(st, params);
            st.executeUpdate();
            bind(forget, params);
            forget.executeUpdate();
        }
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
                moveTempsToStale(db, "id = ?", id);
            }
            return null;
        };
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
                        if (rs.getString(1).equals("parked")) {
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
                        bind(q, upstream, state);
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

    /** Counts over all received files. */
    public record Totals(long files, long bytes) {
    }

    /** Where the current version of {@code path} stands with each upstream it is routed to. */
    public List<DeliveryState> deliveriesOf(String path) throws LedgerException {
        return database.read("look up deliveries of " + path, db -> {
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT d.upstream, d.state, d.attempts, d.next_attempt_at, d.updated_at, d.last_error
                    FROM deliveries d WHERE d.file_id = (SELECT MAX(id) FROM files WHERE path = ?)
                    ORDER BY d.upstream""")) {
                q.setString(1, path);
                List<DeliveryState> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DeliveryState(rs.getString(1), rs.getString(2), rs.getInt(3),
                                Instant.ofEpochMilli(rs.getLong(4)), Instant.ofEpochMilli(rs.getLong(5)),
                                Optional.ofNullable(rs.getString(6))));
                    }
                }
                return out;
            }
        });
    }

    /** One delivery's state, for a technician's question about one file. */
    public record DeliveryState(String upstream, String state, int attempts, Instant nextAttemptAt, Instant updatedAt,
                                Optional<String> lastError) {
    }

    /** The most recent finished deliveries (delivered or parked), newest first. */
    public List<Transfer> recentTransfers(int limit) throws LedgerException {
        return recentTransfers(Optional.empty(), 0, limit);
    }

    /** A page of finished deliveries (delivered or parked) of one upstream or all, newest first. */
    public List<Transfer> recentTransfers(Optional<String> upstream, int offset, int limit) throws LedgerException {
        return database.read("recent transfers", db -> {
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT d.id, f.path, d.upstream, f.size, d.state, d.attempts, d.updated_at, d.duration_ms, d.last_error
                    FROM deliveries d JOIN files f ON f.id = d.file_id
                    WHERE d.state IN ('delivered', 'parked') AND (? IS NULL OR d.upstream = ?)
                    ORDER BY d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?""")) {
                bind(q, upstream.orElse(null), upstream.orElse(null), limit, offset);
                List<Transfer> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        long ms = rs.getLong(8);
                        Optional<Duration> took = rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
                        out.add(new Transfer(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                                rs.getString(5), rs.getInt(6), Instant.ofEpochMilli(rs.getLong(7)), took,
                                Optional.ofNullable(rs.getString(9))));
                    }
                }
                return out;
            }
        });
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

    /**
     * Forgets up to {@code batch} files received before {@code before} whose version the spool no longer holds
     * (retention deleted it, the device withdrew it, or a newer version replaced it) and that nothing is owed
     * for, with their deliveries: the history {@code ledger.history-keep} bounds. One small relaxed write, so
     * that ingest never waits long behind it.
     *
     * @return how many files were forgotten
     */
    public int pruneHistory(Instant before, int batch) throws LedgerException {
        return database.writeRelaxed("prune history", db -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT f.id FROM files f INDEXED BY files_gone
                    WHERE f.received_at < ?
                      AND (f.deleted_at IS NOT NULL OR f.withdrawn_at IS NOT NULL OR f.replaced_at IS NOT NULL)
                      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.file_id = f.id
                                      AND d.state IN ('pending', 'active', 'parked'))
                    ORDER BY f.received_at LIMIT ?""")) {
                bind(q, before.toEpochMilli(), batch);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            try (PreparedStatement deliveries = db.prepareStatement("DELETE FROM deliveries WHERE file_id = ?");
                 PreparedStatement files = db.prepareStatement("DELETE FROM files WHERE id = ?")) {
                for (long id : ids) {
                    bind(deliveries, id);
                    deliveries.executeUpdate();
                    bind(files, id);
                    files.executeUpdate();
                }
            }
            return ids.size();
        });
    }

    /** Gives up to {@code pages} free pages of the file back to the file system (incremental vacuum). */
    public void vacuum(int pages) throws LedgerException {
        database.maintain("vacuum", db -> {
            try (Statement st = db.createStatement()) {
                // executeUpdate steps the pragma to its end; execute() would free one page only
                st.executeUpdate("PRAGMA incremental_vacuum(" + pages + ")");
            }
            return null;
        });
    }

    /** Pages of the file that are free (deleted rows not yet given back). */
    public long freePages() throws LedgerException {
        return database.read("count free pages", db -> {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA freelist_count")) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
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
                bind(st, upstream, paused ? 1 : 0);
                st.executeUpdate();
            }
            return null;
        });
    }

    /** Times the ledger's connections were opened again after a failure of the database (disk full, I/O). */
    public long reopened() {
        return database.reopened();
    }

    /** Commits since the start, and the writes they carried (group commit: writes / commits per fsync). */
    public long commits() {
        return database.commitCounts()[0];
    }

    public long committedWrites() {
        return database.commitCounts()[1];
    }

    /** A cheap round trip to the database, for the health check. */
    public void ping() throws LedgerException {
        database.read("ping", db -> {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                return rs.next();
            }
        });
    }

    @Override
    public void close() throws LedgerException {
        database.close();
    }
}
