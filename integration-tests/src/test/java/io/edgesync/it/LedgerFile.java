package io.edgesync.it;

import io.edgesync.testing.Peers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads an agent's ledger from outside, with the sqlite3 command-line tool a technician would use. */
final class LedgerFile {
    private LedgerFile() {
    }

    /** Runs {@code sql} on {@code db} (read-only) and returns its output, one row per line, columns by '|'. */
    static String query(Path db, String sql) throws Exception {
        Path sqlite = Peers.require("sqlite3", "sqlite3");
        Process p = new ProcessBuilder(sqlite.toString(), "-readonly", db.toString(), sql)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("sqlite3 ends").isTrue();
        assertThat(p.exitValue()).as("sqlite3 %s: %s", sql, out).isZero();
        return out;
    }

    static String integrityCheck(Path db) throws Exception {
        return query(db, "PRAGMA integrity_check");
    }
}
