package io.edgesync.agent.ledger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Benchmark B7 (not a test: it asserts nothing and prints figures): the ledger's hot operations with a
 * history of 1,000 and of 1,000,000 delivered files (synthetic rows, 40 days old, their spool copies
 * deleted), and the file's size before and after {@link HistoryPruner} forgets them. Run by bench.py, or:
 * <pre>
 * java -cp agent/target/edgesync-agent.jar:agent/target/test-classes io.edgesync.agent.ledger.LedgerScaleBench [DIR [LARGE]]
 * </pre>
 * It prints one Markdown table row per history size (1,000 and LARGE, 1,000,000 unless given).
 */
public final class LedgerScaleBench {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final int SAMPLES = 300;

    private LedgerScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "/tmp/edgesync-ledger-bench"));
        System.out.println("| history | record (median, p99) | claim + delivered | status | file | pruned in | file after |");
        System.out.println("|---|---|---|---|---|---|---|");
        int large = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        for (int history : new int[] {1_000, large}) {
            Path file = dir.resolve("ledger-" + history + ".db");
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Files.deleteIfExists(Path.of(file + suffix));
            }
            try (Ledger created = Ledger.open(file)) {
                created.ping(); // the schema
            }
            grow(file, history);
            System.out.println(run(file, history));
        }
    }

    /** {@code n} files received 40 days ago, delivered to "hq", their spool copies deleted by retention. */
    private static void grow(Path file, int n) throws Exception {
        long at = NOW.minus(Duration.ofDays(40)).toEpochMilli();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            db.setAutoCommit(false);
            try (PreparedStatement f = db.prepareStatement("""
                    INSERT INTO files (id, path, size, sha256, received_at, user, client_ip, published, deleted_at)
                    VALUES (?, ?, 40000, ?, ?, 'cam', '10.0.0.5', 1, ?)""");
                 PreparedStatement d = db.prepareStatement("""
                    INSERT INTO deliveries (file_id, upstream, state, attempts, next_attempt_at, created_at,
                                            updated_at, delivered_at, duration_ms)
                    VALUES (?, 'hq', 'delivered', 1, ?, ?, ?, ?, 12)""")) {
                String sha = "ab".repeat(32);
                for (int i = 1; i <= n; i++) {
                    long t = at + i;
                    f.setLong(1, i);
                    f.setString(2, "cams/gate/2026/10/" + (i / 1000) + "/img" + i + ".jpg");
                    f.setString(3, sha);
                    f.setLong(4, t);
                    f.setLong(5, t + 60_000);
                    f.addBatch();
                    d.setLong(1, i);
                    d.setLong(2, t);
                    d.setLong(3, t);
                    d.setLong(4, t + 500);
                    d.setLong(5, t + 500);
                    d.addBatch();
                    if (i % 10_000 == 0) {
                        f.executeBatch();
                        d.executeBatch();
                    }
                }
                f.executeBatch();
                d.executeBatch();
            }
            try (Statement st = db.createStatement()) {
                st.executeUpdate("UPDATE totals SET value = value + " + n + " WHERE name = 'received.files'");
                st.executeUpdate("INSERT INTO totals (name, value) VALUES ('delivered.hq', " + n + ")");
            }
            db.commit();
        }
    }

    private static String run(Path file, int history) throws Exception {
        long[] record = new long[SAMPLES];
        long[] claim = new long[SAMPLES];
        long[] status = new long[SAMPLES];
        try (Ledger ledger = Ledger.open(file)) {
            for (int i = 0; i < SAMPLES; i++) {
                long t0 = System.nanoTime();
                ledger.intake().recordReceived(new ReceivedFile("cams/gate/new/n" + i + ".jpg", 40_000, "cd".repeat(32),
                        NOW.plusMillis(i), "cam", "10.0.0.5"), List.of("hq"));
                record[i] = System.nanoTime() - t0;
            }
            for (int i = 0; i < SAMPLES; i++) {
                long t0 = System.nanoTime();
                Delivery d = ledger.deliveries().claimNext("hq", NOW.plusSeconds(60)).orElseThrow();
                ledger.deliveries().deliveredWithoutWaiting(d.id(), NOW.plusSeconds(60), Duration.ofMillis(3));
                claim[i] = System.nanoTime() - t0;
            }
            for (int i = 0; i < SAMPLES; i++) {
                long t0 = System.nanoTime();
                ledger.reports().received();
                ledger.reports().backlog("hq");
                ledger.reports().recentTransfers(Optional.empty(), 0, 20);
                status[i] = System.nanoTime() - t0;
            }
        }
        long before = size(file);
        long pruneStart = System.nanoTime();
        try (Ledger ledger = Ledger.open(file)) {
            new HistoryPruner(ledger, Duration.ofDays(30), Clock.fixed(NOW, ZoneOffset.UTC)).prune();
        }
        double pruneSeconds = (System.nanoTime() - pruneStart) / 1e9;
        try (Ledger ledger = Ledger.open(file)) {
            ledger.ping(); // the WAL checkpointed into the file
        }
        return "| %,d delivered | %s | %s | %s | %.1f MiB | %.1f s | %.1f MiB |".formatted(history, figures(record),
                figures(claim), figures(status), before / 1048576.0, pruneSeconds, size(file) / 1048576.0);
    }

    private static String figures(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return "%.2f ms, %.2f ms".formatted(sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6);
    }

    private static long size(Path file) throws Exception {
        long total = 0;
        for (String suffix : new String[] {"", "-wal"}) {
            Path p = Path.of(file + suffix);
            total += Files.exists(p) ? Files.size(p) : 0;
        }
        return total;
    }
}
