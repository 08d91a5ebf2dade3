package io.edgesync.agent.ledger;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The ledger's SQLite file: a connection with {@code synchronous=FULL} and one with {@code NORMAL} for
 * {@link #writeRelaxed} (WAL, foreign keys, both used under one lock), integrity check
 * and schema migration at open, and the two ways to use it: {@link #read} and {@link #write}, each under
 * one lock and ending in a commit; concurrent writes share commits (group commit). Thread-safe.
 *
 * <p>A failure of SQLite itself (disk full, I/O error, database locked by another process, read-only file)
 * fails every write of the transaction it happened in and leaves the file as it was: SQLite may already
 * have rolled that transaction back on its own, after which a connection in JDBC's manual-commit mode would
 * go on committing each statement by itself. So both connections are closed and opened again before the
 * next use; until that works, every call fails with a {@link LedgerException}.
 */
final class Database implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    /** Most writes one commit takes. */
    static final int GROUP_MAX = 64;
    private final ReentrantLock lock = new ReentrantLock();
    private final Path file;
    private Connection connection; // guarded by lock; synchronous=FULL: a commit is on disk; null: to reopen
    private Connection relaxed;    // guarded by lock; synchronous=NORMAL: survives a crash, not a power cut
    private StatementCache connectionStatements; // guarded by lock, as the two below
    private StatementCache relaxedStatements;
    private final LongAdder reopened = new LongAdder();
    private final Queue<Pending<?>> queue = new ConcurrentLinkedQueue<>();
    private final LongAdder groupCommits = new LongAdder();
    private final LongAdder groupedWrites = new LongAdder();

    /** One unit of work on the connection. */
    interface Work<T> {
        T run(Connection db) throws SQLException;
    }

    private Database(Path file) {
        this.file = file;
    }

    static Database open(Path file) throws LedgerException {
        Path absolute = file.toAbsolutePath();
        try {
            refuseNewer(absolute);
            Files.createDirectories(absolute.getParent());
            try (Connection setup = config(SQLiteConfig.SynchronousMode.FULL).createConnection("jdbc:sqlite:" + absolute)) {
                checkIntegrity(setup);
                useIncrementalVacuum(setup);
                migrate(setup);
            }
            Database database = new Database(absolute);
            database.connect();
            return database;
        } catch (NewerLedgerException e) {
            throw e;
        } catch (SQLException | IOException e) {
            throw new LedgerException("cannot open ledger " + file + ": " + e.getMessage(), e);
        }
    }

    private static SQLiteConfig config(SQLiteConfig.SynchronousMode synchronous) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(synchronous);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        return config;
    }

    /** Opens both connections; under the lock, or before the database is shared. */
    private void connect() throws SQLException {
        Connection full = config(SQLiteConfig.SynchronousMode.FULL).createConnection("jdbc:sqlite:" + file);
        try {
            full.setAutoCommit(false);
            Connection normal = config(SQLiteConfig.SynchronousMode.NORMAL).createConnection("jdbc:sqlite:" + file);
            normal.setAutoCommit(false);
            connection = full;
            relaxed = normal;
            connectionStatements = new StatementCache(full);
            relaxedStatements = new StatementCache(normal);
        } catch (SQLException e) {
            closeQuietly(full);
            throw e;
        }
    }

    /** The connections, opened again if a failure closed them; under the lock. */
    private void ensureConnected() throws SQLException {
        if (connection == null) {
            connect();
            reopened.increment();
            LOG.log(System.Logger.Level.INFO, "ledger: connections to {0} opened again after a failure", file);
        }
    }

    /**
     * After a failure of SQLite itself the connections' transaction state is unknown (SQLite may have rolled
     * the transaction back by itself): both are rolled back, closed, and opened again at the next use.
     */
    private void discardConnections(Exception cause) {
        for (Connection c : new Connection[] {connection, relaxed}) {
            if (c != null) {
                try {
                    c.rollback();
                } catch (SQLException e) {
                    cause.addSuppressed(e);
                }
            }
        }
        if (relaxedStatements != null) {
            relaxedStatements.close();
            connectionStatements.close();
        }
        closeQuietly(relaxed);
        closeQuietly(connection);
        connection = null;
        relaxed = null;
        relaxedStatements = null;
        connectionStatements = null;
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "ledger: closing a failed connection: {0}", e.toString());
        }
    }

    /**
     * Whether {@code e} is SQLite failing (storage, locking, corruption) rather than a statement refusing what
     * it was asked (a constraint, or the ledger's own checks, which throw plain {@link SQLException}s).
     */
    static boolean engineFailure(Throwable e) {
        return e instanceof SQLiteException s && s.getResultCode() != null
                && (s.getResultCode().code & 0xff) != 19; // SQLITE_CONSTRAINT: the statement's own refusal
    }

    /** Times the connections were opened again after a failure. */
    long reopened() {
        return reopened.sum();
    }

    /**
     * Deleted rows give their pages back to the file system ({@link #vacuumSome}): turned on once for a ledger
     * made before, which costs one VACUUM at that start (a new, empty file needs none).
     */
    private static void useIncrementalVacuum(Connection db) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA auto_vacuum")) {
            if (rs.next() && rs.getInt(1) == 2) {
                return;
            }
        }
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA auto_vacuum = INCREMENTAL");
            st.execute("VACUUM");
        }
    }

    private static void checkIntegrity(Connection db) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
            String result = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(result)) {
                throw new SQLException("integrity check failed: " + result);
            }
        }
    }

    /**
     * A ledger of a newer schema (a downgrade) is refused before anything writes to it: the integrity check,
     * the vacuum setting and WAL mode all run on a connection that may write. Read-only here.
     */
    private static void refuseNewer(Path file) throws SQLException, NewerLedgerException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        SQLiteConfig readOnly = new SQLiteConfig();
        readOnly.setReadOnly(true);
        int version;
        try (Connection db = readOnly.createConnection("jdbc:sqlite:" + file);
             Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version > Schema.MIGRATIONS.length) {
            throw new NewerLedgerException("the ledger " + file + " has schema version " + version + ", written by a"
                    + " newer edgesync; this one knows versions up to " + Schema.MIGRATIONS.length + " (a downgrade)."
                    + " Nothing was changed. Install the newer edgesync again, or move the data folder aside to"
                    + " start this version with an empty one");
        }
    }

    private static void migrate(Connection db) throws SQLException {
        int version;
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version == 0) {
            try (Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'")) {
                if (rs.next() && rs.getInt(1) > 0) {
                    throw new SQLException("the file is an SQLite database of something else (tables, no ledger"
                            + " schema version); it is left as it is: move it aside, or put the agent's ledger there");
                }
            }
        }
        if (version > Schema.MIGRATIONS.length) {
            throw new SQLException("ledger schema version " + version + " is newer than this agent knows ("
                    + Schema.MIGRATIONS.length + "); run the newer agent or restore a backup");
        }
        for (int v = version; v < Schema.MIGRATIONS.length; v++) {
            db.setAutoCommit(false);
            try (Statement st = db.createStatement()) {
                for (String sql : Schema.MIGRATIONS[v]) {
                    st.execute(sql);
                }
                st.execute("PRAGMA user_version = " + (v + 1));
                db.commit();
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
            LOG.log(System.Logger.Level.INFO, "ledger schema migrated to version {0}", v + 1);
        }
    }

    /** Runs a query; the read transaction ends with it, so the WAL can be checkpointed. */
    <T> T read(String what, Work<T> work) throws LedgerException {
        lock.lock();
        try {
            if (!queue.isEmpty()) {
                commitWaiting(); // a read sees every write made before it, waited for or not
            }
            ensureConnected();
            T result = work.run(connectionStatements.view());
            connection.commit();
            return result;
        } catch (SQLException e) {
            if (engineFailure(e) && connection != null) {
                discardConnections(e);
            }
            throw new LedgerException("ledger: cannot " + what + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} outside any transaction (a {@code PRAGMA} such as {@code incremental_vacuum}, which
     * SQLite refuses inside one), on the relaxed connection, after every waiting write.
     */
    void maintain(String what, Work<Void> work) throws LedgerException {
        lock.lock();
        try {
            if (!queue.isEmpty()) {
                commitWaiting();
            }
            ensureConnected();
            relaxed.commit();
            relaxed.setAutoCommit(true);
            try {
                work.run(relaxed);
            } finally {
                relaxed.setAutoCommit(false);
            }
        } catch (SQLException e) {
            discardConnections(e);
            throw new LedgerException("ledger: cannot " + what + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} durably: committed when this returns, undone when it throws. Group commit: writes
     * that arrive while another commit is running wait for it, and the next of them commits all that waited
     * in one transaction (one fsync instead of one each), each inside its own savepoint so that one that
     * fails is undone alone. Alone, a write commits at once as before.
     */
    <T> T write(String what, Work<T> work) throws LedgerException {
        return enqueue(new Pending<>(what, work, false));
    }

    /**
     * As {@link #write}, for state that may be lost in a power cut (not in a crash of the agent): the commit
     * does not wait for the disk. For the sync loop's bookkeeping, where a lost step only means a file is
     * sent again, which the upstream's rename makes harmless. A group with any durable write is durable.
     */
    <T> T writeRelaxed(String what, Work<T> work) throws LedgerException {
        return enqueue(new Pending<>(what, work, true));
    }

    /**
     * As {@link #writeRelaxed}, without waiting: the next write or read commits it with its own (FIFO), and
     * {@link #close} commits what is left. A failure is logged, as nobody waits for it.
     */
    void writeRelaxedWithoutWaiting(String what, Work<?> work) {
        Pending<?> p = new Pending<>(what, work, true);
        p.detached = true;
        queue.add(p);
    }

    private <T> T enqueue(Pending<T> mine) throws LedgerException {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("nested ledger write: " + mine.what); // it would commit its caller's work
        }
        queue.add(mine);
        lock.lock();
        try {
            if (!mine.done) {
                commitWaiting();
            }
        } finally {
            lock.unlock();
        }
        return mine.result();
    }

    /** One write waiting for a commit. Its fields are written and read under {@link #lock}. */
    private static final class Pending<T> {
        final String what;
        final Work<T> work;
        final boolean relaxed;
        boolean detached; // nobody waits: a failure is logged
        boolean done;
        T value;
        Exception failure;

        Pending(String what, Work<T> work, boolean relaxed) {
            this.what = what;
            this.work = work;
            this.relaxed = relaxed;
        }

        T result() throws LedgerException {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure != null) {
                throw new LedgerException("ledger: cannot " + what + ": " + failure.getMessage(), failure);
            }
            return value;
        }
    }

    /**
     * Runs every waiting write (up to {@value #GROUP_MAX}) in one transaction and commits it. A failure of
     * SQLite itself fails every write of the batch (SQLite may have undone the transaction already) and the
     * connections are opened again. Under the lock.
     */
    private void commitWaiting() {
        List<Pending<?>> batch = new ArrayList<>();
        for (Pending<?> p; batch.size() < GROUP_MAX && (p = queue.poll()) != null; ) {
            batch.add(p);
        }
        SQLException broken = null;
        try {
            ensureConnected();
        } catch (SQLException e) {
            broken = e;
        }
        if (broken == null) {
            boolean allRelaxed = batch.stream().allMatch(p -> p.relaxed);
            Connection db = allRelaxed ? relaxed : connection;
            StatementCache statements = allRelaxed ? relaxedStatements : connectionStatements;
            for (Pending<?> p : batch) {
                runInSavepoint(db, statements, p);
                if (engineFailure(p.failure)) {
                    broken = (SQLException) p.failure;
                    break;
                }
            }
            if (broken == null) {
                try {
                    db.commit();
                } catch (SQLException e) {
                    broken = e;
                }
            }
        }
        if (broken != null) {
            if (connection != null) {
                discardConnections(broken);
            }
            for (Pending<?> p : batch) {
                p.value = null;
                if (p.failure == null || !engineFailure(p.failure)) {
                    p.failure = broken;
                }
            }
        }
        for (Pending<?> p : batch) {
            p.done = true;
            if (p.detached && p.failure != null) {
                LOG.log(System.Logger.Level.ERROR, "ledger: cannot " + p.what, p.failure);
            }
        }
        groupCommits.increment();
        groupedWrites.add(batch.size());
    }

    private <T> void runInSavepoint(Connection db, StatementCache statements, Pending<T> p) {
        Savepoint savepoint = null;
        try {
            savepoint = db.setSavepoint();
            p.value = p.work.run(statements.view());
            db.releaseSavepoint(savepoint);
        } catch (SQLException | RuntimeException e) {
            p.failure = e;
            if (savepoint != null) {
                try {
                    db.rollback(savepoint);
                    db.releaseSavepoint(savepoint);
                } catch (SQLException undo) {
                    e.addSuppressed(undo);
                }
            }
        }
    }

    /** Writes waiting for a commit now. */
    int waiting() {
        return queue.size();
    }

    /** Commits and the writes they held, since the start: their ratio is the grouping achieved. */
    long[] commitCounts() {
        return new long[] {groupCommits.sum(), groupedWrites.sum()};
    }

    @Override
    public void close() throws LedgerException {
        lock.lock();
        try {
            while (!queue.isEmpty()) {
                commitWaiting();
            }
            if (connection != null) {
                relaxedStatements.close();
                connectionStatements.close();
                relaxed.close();
                connection.close();
                connection = null;
            }
        } catch (SQLException e) {
            throw new LedgerException("cannot close ledger: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
