package io.edgesync.agent.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Group commit: concurrent writes share commits, each is durable when it returns, a failing one is undone alone. */
class DatabaseTest {
    @TempDir
    Path dir;
    private Database db;

    @BeforeEach
    void open() throws LedgerException {
        db = Database.open(dir.resolve("ledger.db"));
        db.write("create", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            }
            return null;
        });
    }

    @AfterEach
    void close() throws LedgerException {
        db.close();
    }

    private static Void insert(java.sql.Connection c, String v) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
            st.setString(1, v);
            st.executeUpdate();
        }
        return null;
    }

    private long count() throws LedgerException {
        return db.read("count", c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM t")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Test
    void concurrentWritesShareCommitsAndAllAreDurable() throws Exception {
        int threads = 8;
        int each = 200;
        long commitsBefore = db.commitCounts()[0];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < each; i++) {
                    String v = thread + "-" + i;
                    db.write("insert " + v, c -> insert(c, v));
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(count()).isEqualTo(threads * each);
        long commits = db.commitCounts()[0] - commitsBefore;
        System.out.printf("group commit: %d writes in %d commits%n", threads * each, commits);
        assertThat(commits).as("writes that waited shared a commit").isLessThan(threads * each);

        // durable: a second connection (as after a crash and restart) sees every row
        db.close();
        db = Database.open(dir.resolve("ledger.db"));
        assertThat(count()).isEqualTo(threads * each);
    }

    @Test
    void aFailingWriteIsUndoneAloneAndTheOthersInItsGroupCommit() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        // the first write holds the commit lock, so the next two wait and are committed together
        Future<?> first = pool.submit(() -> db.write("slow", c -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new SQLException(e);
            }
            return insert(c, "slow");
        }));
        holding.await();
        Future<?> bad = pool.submit(() -> db.write("bad", c -> {
            insert(c, "half");
            return insert(c, null); // NOT NULL: fails after a row was written
        }));
        Future<?> good = pool.submit(() -> db.write("good", c -> insert(c, "good")));
        while (!queued(2)) {
            Thread.onSpinWait();
        }
        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        good.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(LedgerException.class)
                .hasMessageContaining("NOT NULL");
        pool.shutdown();
        List<String> rows = db.read("rows", c -> {
            List<String> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM t ORDER BY id")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
        assertThat(rows).containsExactly("slow", "good");
    }

    private boolean queued(int n) {
        return db.waiting() >= n;
    }
}
