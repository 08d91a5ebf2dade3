package io.edgesync.agent.ledger;

import io.edgesync.agent.ledger.Ledger.SpoolFile;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;

/**
 * What retention may delete: spool copies of files that nothing is owed for any more. One role of the {@link
 * Ledger}, over its one {@link Database}: thread-safe, and a method that returns has committed (unless it says
 * otherwise).
 */
public final class Deletions {
    private final Database database;

    Deletions(Database database) {
        this.database = database;
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
        return database.read("retention candidates", db -> Rows.list(db, """
                SELECT f.id, f.path, f.size, f.user, f.received_at FROM files f
                WHERE f.deleted_at IS NULL AND f.withdrawn_at IS NULL AND f.published = 1
                  AND f.received_at < ? AND (? < 0 OR f.id = ?)
                  AND f.id = (SELECT MAX(g.id) FROM files g WHERE g.path = f.path)
                  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.file_id = f.id
                                  AND d.state IN ('pending', 'active', 'parked', 'standby'))
                ORDER BY f.id LIMIT ?""", Rows.SPOOL_FILE, before.toEpochMilli(), onlyId, onlyId, limit));
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
}
