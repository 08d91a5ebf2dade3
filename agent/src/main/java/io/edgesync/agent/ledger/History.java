package io.edgesync.agent.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The history of files the spool no longer holds, pruned in small batches, and the space given back. One role
 * of the {@link Ledger}, over its one {@link Database}: thread-safe, and a method that returns has committed
 * (unless it says otherwise).
 */
public final class History {
    private final Database database;

    History(Database database) {
        this.database = database;
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
                                      AND d.state IN ('pending', 'active', 'parked', 'standby'))
                    ORDER BY f.received_at LIMIT ?""")) {
                Rows.bind(q, before.toEpochMilli(), batch);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            try (PreparedStatement deliveries = db.prepareStatement("DELETE FROM deliveries WHERE file_id = ?");
                 PreparedStatement files = db.prepareStatement("DELETE FROM files WHERE id = ?")) {
                for (long id : ids) {
                    Rows.bind(deliveries, id);
                    deliveries.executeUpdate();
                    Rows.bind(files, id);
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
}
