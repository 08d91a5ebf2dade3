package io.edgesync.agent.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upgrade opens the ledger an older release left: every later step runs at start, and what the old
 * ledger owed is owed still. The old ledger here is built by the old steps themselves, with rows written in
 * the shape of its time (schema 3: before the spool stamps, totals and pauses).
 */
class SchemaMigrationTest {
    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();

    @TempDir
    Path dir;

    @Test
    void aLedgerOfAnOlderReleaseIsMigratedWithWhatItOwed() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = db.createStatement()) {
            for (int v = 0; v < 3; v++) {
                for (String sql : Schema.MIGRATIONS[v]) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = 3");
            st.execute("INSERT INTO files (id, path, size, sha256, received_at, user, client_ip) VALUES"
                    + " (1, 'cam/a.jpg', 10, '" + "ab".repeat(32) + "', " + T0 + ", 'cam', '10.0.0.5'),"
                    + " (2, 'cam/b.jpg', 20, '" + "cd".repeat(32) + "', " + (T0 + 1000) + ", 'cam', '10.0.0.5')");
            st.execute("INSERT INTO deliveries (file_id, upstream, state, attempts, next_attempt_at, created_at,"
                    + " updated_at, delivered_at) VALUES (1, 'hq', 'delivered', 1, " + T0 + ", " + T0 + ", " + T0
                    + ", " + T0 + "), (2, 'hq', 'pending', 3, " + T0 + ", " + T0 + ", " + T0 + ", NULL)");
        }

        try (Ledger ledger = Ledger.open(file)) {
            assertThat(ledger.reports().received()).isEqualTo(new Ledger.Totals(2, 30));
            Backlog hq = ledger.reports().backlog("hq");
            assertThat(hq.pending()).isEqualTo(1);
            assertThat(hq.delivered()).isEqualTo(1);
            assertThat(hq.oldestPending()).contains(Instant.ofEpochMilli(T0 + 1000));
            assertThat(ledger.intake().currentVersion("cam/b.jpg")).isPresent();
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(Schema.MIGRATIONS.length);
        }
    }
}
