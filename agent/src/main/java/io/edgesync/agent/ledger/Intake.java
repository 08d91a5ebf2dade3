package io.edgesync.agent.ledger;

import io.edgesync.agent.ledger.Ledger.Standing;
import io.edgesync.agent.ledger.Ledger.Totals;
import io.edgesync.agent.ledger.Ledger.Version;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What arrives: a device upload recorded before it is renamed into the spool, then published (its deliveries
 * due) or discarded; versions of a path, what a device withdraws, and what its quota counts. One role of the
 * {@link Ledger}, over its one {@link Database}: thread-safe, and a method that returns has committed (unless
 * it says otherwise).
 */
public final class Intake {
    private final Database database;

    Intake(Database database) {
        this.database = database;
    }

    /**
     * Records a complete upload that is already in place in the spool, with one pending delivery per
     * upstream, in one transaction: {@link #recordUnpublished} and {@link #published} at once.
     *
     * @return the file's id
     */
    public long recordReceived(ReceivedFile file, List<String> upstreams) throws LedgerException {
        return recordReceivedTo(file, Route.toEach(upstreams));
    }

    /**
     * Where a file is owed: to {@code upstream}, under {@code remotePath} (empty: its spool path), and whether
     * its delivery rule holds it back ({@code standby}) while the rule's preferred upstreams take it.
     */
    public record Route(String upstream, boolean standby, Optional<String> remotePath) {
        static List<Route> toEach(List<String> upstreams) {
            return upstreams.stream().map(u -> new Route(u, false, Optional.empty())).toList();
        }
    }

    /** As {@link #recordReceived(ReceivedFile, List)}, owed as {@code routes} say. */
    public long recordReceivedTo(ReceivedFile file, List<Route> routes) throws LedgerException {
        return database.write("record " + file.path(), db -> {
            long fileId = insertFile(db, file, routes);
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
        return recordUnpublishedTo(file, Route.toEach(upstreams));
    }

    /** As {@link #recordUnpublished(ReceivedFile, List)}, owed as {@code routes} say. */
    public long recordUnpublishedTo(ReceivedFile file, List<Route> routes) throws LedgerException {
        return database.write("record " + file.path(), db -> insertFile(db, file, routes));
    }

    private static long insertFile(Connection db, ReceivedFile file, List<Route> routes) throws SQLException {
        long now = file.receivedAt().toEpochMilli();
        long fileId;
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO files (path, size, sha256, received_at, user, client_ip, published, file_key, mtime_ns)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)""", Statement.RETURN_GENERATED_KEYS)) {
            Rows.bind(ins, file.path(), file.size(), file.sha256(), now, file.user(), file.clientIp(),
                    file.stamp().map(SpoolStamp::fileKey).orElse(null),
                    file.stamp().map(SpoolStamp::modifiedNanos).orElse(null));
            ins.executeUpdate();
            try (ResultSet keys = ins.getGeneratedKeys()) {
                keys.next();
                fileId = keys.getLong(1);
            }
        }
        try (PreparedStatement ins = db.prepareStatement("""
                INSERT INTO deliveries (file_id, upstream, state, next_attempt_at, created_at, updated_at, remote_path)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            for (Route route : routes) {
                Rows.bind(ins, fileId, route.upstream(), route.standby() ? "standby" : "pending", now, now, now,
                        route.remotePath().orElse(null));
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
            Rows.bind(q, fileId);
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
            Rows.bind(up, fileId);
            up.executeUpdate();
            Rows.bind(last, user, receivedAt);
            last.executeUpdate();
        }
        Rows.addTotal(db, "received.files", 1);
        Rows.addTotal(db, "received.bytes", size);
        try (PreparedStatement replaced = db.prepareStatement(
                "UPDATE files SET replaced_at = ? WHERE path = ? AND id < ? AND replaced_at IS NULL")) {
            Rows.bind(replaced, now, path, fileId);
            replaced.executeUpdate();
        }
        supersedeOwed(db, "file_id IN (SELECT id FROM files WHERE path = ? AND id < ?)", now, path, fileId);
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
            Rows.bind(del, fileId, fileId);
            del.executeUpdate();
            Rows.bind(file, fileId);
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
                Rows.bind(st, stamp.fileKey(), stamp.modifiedNanos(), fileId);
                st.executeUpdate();
            }
            return null;
        });
    }

    private static List<Version> versions(Connection db, String sql, Object... params) throws SQLException {
        return Rows.list(db, sql, rs -> new Version(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                Rows.stamp(rs, 5, rs.getLong(3))), params);
    }

    /** Where file {@code fileId} stands: still the path's current version, replaced, or withdrawn. */
    public Standing standing(long fileId) throws LedgerException {
        return database.read("look up file " + fileId, db -> {
            try (PreparedStatement q = db.prepareStatement("""
                    SELECT f.withdrawn_at IS NOT NULL,
                           EXISTS (SELECT 1 FROM files g WHERE g.path = f.path AND g.id > f.id)
                    FROM files f WHERE f.id = ?""")) {
                Rows.bind(q, fileId);
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
     * The path no longer holds the file its pending deliveries were made for (the device renamed or deleted
     * it): those deliveries are superseded.
     *
     * @return how many deliveries were withdrawn
     */
    public int withdraw(String path, Instant now) throws LedgerException {
        return database.write("withdraw " + path, db -> {
            try (PreparedStatement st = db.prepareStatement(
                    "UPDATE files SET withdrawn_at = ? WHERE path = ? AND published = 1 AND withdrawn_at IS NULL")) {
                Rows.bind(st, now.toEpochMilli(), path);
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
        String owed = "state IN ('pending', 'parked', 'standby') AND " + whichFiles;
        Rows.moveTempsToStale(db, owed, params);
        try (PreparedStatement st = db.prepareStatement(
                "UPDATE deliveries SET state = 'superseded', updated_at = ? WHERE " + owed)) {
            st.setLong(1, now);
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 2, params[i]);
            }
            return st.executeUpdate();
        }
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
                                  AND d.state IN ('pending', 'active', 'parked', 'standby'))""")) {
                Rows.bind(q, path, path + "/", path + "0");
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    return new Totals(rs.getLong(1), rs.getLong(2));
                }
            }
        });
    }
}
