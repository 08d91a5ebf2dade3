package io.edgesync.agent.ledger;

import java.util.List;

import java.util.ArrayList;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/** Statement helpers shared by the ledger's roles: binding parameters, reading a stamp, moving temporaries. */
final class Rows {
    private Rows() {
    }

    /** Maps the current row of a result set to one value. */
    @FunctionalInterface
    interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** A {@code SpoolFile} from columns id, path, size, user, received_at. */
    static final Mapper<Ledger.SpoolFile> SPOOL_FILE = rs -> new Ledger.SpoolFile(rs.getLong(1), rs.getString(2),
            rs.getLong(3), rs.getString(4), java.time.Instant.ofEpochMilli(rs.getLong(5)));

    /** Every row of {@code sql} with {@code params} bound, mapped, in order. */
    static <T> List<T> list(Connection db, String sql, Mapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            bind(q, params);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
            }
            return out;
        }
    }

    static void addTotal(Connection db, String name, long delta) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("""
                INSERT INTO totals (name, value) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET value = value + excluded.value""")) {
            bind(st, name, delta);
            st.executeUpdate();
        }
    }

    static Optional<SpoolStamp> stamp(ResultSet rs, int keyColumn, long size) throws SQLException {
        String key = rs.getString(keyColumn);
        long mtime = rs.getLong(keyColumn + 1);
        return key == null || rs.wasNull() ? Optional.empty() : Optional.of(new SpoolStamp(key, size, mtime));
    }

    static void bind(PreparedStatement st, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            st.setObject(i + 1, params[i]);
        }
    }

    /** The deliveries' temporaries go to the cleanup list, once: the deliveries forget them. */
    static void moveTempsToStale(Connection db, String whichDeliveries, Object... params) throws SQLException {
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
}
