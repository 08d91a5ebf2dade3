package io.edgesync.agent.ledger;

import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The ledger's SQLite file: one connection (WAL, {@code synchronous=FULL}, foreign keys), integrity check
 * and schema migration at open, and the two ways to use it: {@link #read} and {@link #write}, each under
 * one lock and ending in a commit. Thread-safe.
 */
final class Database implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    private final Connection connection; // guarded by lock

    /** One unit of work on the connection. */
    interface Work<T> {
        T run(Connection db) throws SQLException;
    }

    private Database(Connection connection) {
        this.connection = connection;
    }

    static Database open(Path file) throws LedgerException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            config.setBusyTimeout(10_000);
            config.enforceForeignKeys(true);
            Connection connection = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
            checkIntegrity(connection);
            migrate(connection);
            connection.setAutoCommit(false);
            return new Database(connection);
        } catch (SQLException | IOException e) {
            throw new LedgerException("cannot open ledger " + file + ": " + e.getMessage(), e);
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

    private static void migrate(Connection db) throws SQLException {
        int version;
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            version = rs.next() ? rs.getInt(1) : 0;
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
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException e) {
            throw new LedgerException("ledger: cannot " + what + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} as one transaction: committed (durably) when this returns, rolled back when it throws. */
    <T> T write(String what, Work<T> work) throws LedgerException {
        lock.lock();
        try {
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(e);
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerException("ledger: cannot " + what + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void rollbackQuietly(Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() throws LedgerException {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new LedgerException("cannot close ledger: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
