package io.edgesync.agent.ledger;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The durable record of every received file and of each (file, upstream) delivery, in SQLite (WAL,
 * {@code synchronous=FULL}): a method that returns has committed. Thread-safe: every call runs under the
 * {@link Database}'s one connection and lock. Every failure is a {@link LedgerException} and leaves the
 * ledger as it was. Its methods are grouped by who calls them: {@link #intake()} (the spool),
 * {@link #deliveries()} (the sync workers), {@link #queue()} (operators), {@link #deletions()} (retention),
 * {@link #reports()} (status and metrics) and {@link #history()} (the pruner); the records they share are
 * declared here.
 *
 * <p>Delivery states: {@code pending} (waiting, maybe until {@code next_attempt_at}), {@code active} (a
 * worker has it), {@code delivered}, {@code parked} (gave up; an operator may retry), {@code superseded}
 * (a newer upload of the same path will be delivered instead).
 */
public final class Ledger implements AutoCloseable {

    private final Database database;
    private final Intake intake;
    private final Deliveries deliveries;
    private final Budgets budgets;
    private final Rules rules;
    private final OperatorQueue queue;
    private final Deletions deletions;
    private final Reports reports;
    private final History history;

    private Ledger(Database database) {
        this.database = database;
        this.intake = new Intake(database);
        this.deliveries = new Deliveries(database);
        this.budgets = new Budgets(database);
        this.rules = new Rules(database);
        this.queue = new OperatorQueue(database);
        this.deletions = new Deletions(database);
        this.reports = new Reports(database);
        this.history = new History(database);
    }

    /**
     * Opens (creating if needed) the ledger at {@code file}, checks its integrity and migrates its schema.
     *
     * @throws NewerLedgerException when a newer edgesync wrote it (a downgrade): refused, nothing changed
     */
    public static Ledger open(Path file) throws LedgerException {
        return new Ledger(Database.open(file));
    }

    /** What arrives from the devices: recorded, published, withdrawn (the spool's side). */
    public Rules rules() {
        return rules;
    }

    public Intake intake() {
        return intake;
    }

    /** The delivery state machine as the sync workers drive it. */
    public Deliveries deliveries() {
        return deliveries;
    }

    /** The upstreams' data budgets. */
    public Budgets budgets() {
        return budgets;
    }

    /** What operators do with deliveries: retry, cancel, page through, queue again. */
    public OperatorQueue queue() {
        return queue;
    }

    /** What retention may delete. */
    public Deletions deletions() {
        return deletions;
    }

    /** Read-only views for status, metrics and SITE commands. */
    public Reports reports() {
        return reports;
    }

    /** The pruning of old history. */
    public History history() {
        return history;
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

    /** A delivery as operators see it in the queue. */
    public record OwedDelivery(long id, String path, String upstream, long size, DeliveryStatus state, int attempts,
                               Instant nextAttemptAt, Instant receivedAt, Optional<String> lastError, long fileId,
                               Optional<String> remotePath) {
    }

    /** One page of a longer list, and how long the list is. */
    public record Page<T>(long total, List<T> items) {
        public Page {
            items = List.copyOf(items);
        }
    }

    /** An upstream temporary left by a delivery that was parked or superseded. */
    public record StaleTemp(long id, String path) {
    }

    /** A received file's spool copy. */
    public record SpoolFile(long id, String path, long size, String user, Instant receivedAt) {
    }

    /** Counts over all received files. */
    public record Totals(long files, long bytes) {
    }

    /** One delivery's state, for a technician's question about one file. */
    public record DeliveryState(String upstream, DeliveryStatus state, int attempts, Instant nextAttemptAt, Instant updatedAt,
                                Optional<String> lastError) {
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

    /**
     * A write that changes nothing, committed: the writer (its lock and group commit) is free. The service
     * watchdog's check; no page is written, so it costs the card nothing.
     */
    public void commitProbe() throws LedgerException {
        database.writeRelaxed("commit the watchdog's empty write", db -> null);
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
