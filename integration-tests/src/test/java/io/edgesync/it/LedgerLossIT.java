package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A ledger that disappears (deleted, or truncated to nothing, while the agent was stopped) is a fault, not a
 * first start: the packaged agent refuses to start and says how to go on, and touches nothing; started with
 * {@code --rebuild-ledger} it owes every spool file to its upstreams again. So is an older ledger put back in
 * its place (a backup): it does not know the files received since.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LedgerLossIT {
    @TempDir
    Path dir;
    private final int upstreamPort = PeerProcess.freePort();
    private final int ftp = PeerProcess.freePort();
    private Path data;
    private String yaml;
    private int http;

    @BeforeEach
    void config() {
        data = dir.resolve("data");
        http = PeerProcess.freePort();
        yaml = AgentProcess.yaml(data, ftp, http,
                AgentProcess.upstream("hq", upstreamPort, PyFtpd.USER, PyFtpd.PASSWORD), "broker: \"\"");
    }

    /** The packaged agent on the one configuration, its working folder named {@code name}. */
    private AgentProcess agent(String name) throws IOException {
        return new AgentProcess(dir.resolve(name), yaml, ftp, http, Map.of());
    }

    @Test
    void aMissingOrEmptyLedgerIsRefusedAndRebuiltOnlyOnRequest() throws Exception {
        Map<String, byte[]> sent = new LinkedHashMap<>();
        try (AgentProcess first = agent("agent1").start(true)) {
            for (int i = 0; i < 3; i++) {
                byte[] body = Devices.randomBytes(10_000 + i, i);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a" + i + ".bin", body)).isEqualTo(226);
                sent.put("cams/cam/a" + i + ".bin", body);
            }
        }
        for (String name : new String[] {"ledger.db", "ledger.db-wal", "ledger.db-shm"}) {
            Files.deleteIfExists(data.resolve(name));
        }

        AgentProcess refused = agent("agent2").start(false);
        assertThat(refused.waitForExit(Duration.ofSeconds(40))).isEqualTo(3);
        assertThat(refused.log()).contains("ledger").contains("missing").contains("--rebuild-ledger");
        assertThat(data.resolve("ledger.db")).as("nothing created").doesNotExist();
        assertThat(data.resolve("quarantine")).as("nothing quarantined").doesNotExist();

        Files.write(data.resolve("ledger.db"), new byte[0]); // truncated to nothing
        AgentProcess empty = agent("agent3").start(false);
        assertThat(empty.waitForExit(Duration.ofSeconds(40))).isEqualTo(3);
        assertThat(empty.log()).contains("is empty");
        Files.delete(data.resolve("ledger.db"));

        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), upstreamPort);
             AgentProcess rebuilt = agent("agent4")
                     .start(true, "--rebuild-ledger")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.keySet().stream()
                    .allMatch(p -> Files.exists(upstream.root().resolve("in").resolve(p))));
            for (var e : sent.entrySet()) {
                assertThat(upstream.root().resolve("in").resolve(e.getKey())).hasBinaryContent(e.getValue());
            }
            assertThat(rebuilt.log()).contains("--rebuild-ledger: the ledger now has the 3 file(s) of the spool it did not know");
        }
    }

    @Test
    void anOlderLedgerPutBackIsRefusedAndOnRequestOwesWhatItDoesNotKnow() throws Exception {
        byte[] a = Devices.randomBytes(10_000, 1);
        byte[] b = Devices.randomBytes(20_000, 2);
        try (AgentProcess first = agent("agent1").start(true)) {
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a.bin", a)).isEqualTo(226);
        }
        Path backup = dir.resolve("ledger-backup.db");
        Files.copy(data.resolve("ledger.db"), backup); // a clean stop leaves the WAL checkpointed
        try (AgentProcess second = agent("agent2").start(true)) {
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "b.bin", b)).isEqualTo(226);
        }
        Files.copy(backup, data.resolve("ledger.db"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String name : new String[] {"ledger.db-wal", "ledger.db-shm"}) {
            Files.deleteIfExists(data.resolve(name));
        }

        AgentProcess refused = agent("agent3").start(false);
        assertThat(refused.waitForExit(Duration.ofSeconds(40))).isEqualTo(3);
        assertThat(refused.log()).contains("it is older").contains("--rebuild-ledger");
        assertThat(data.resolve("quarantine")).as("nothing quarantined").doesNotExist();

        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), upstreamPort);
             AgentProcess rebuilt = agent("agent4")
                     .start(true, "--rebuild-ledger")) {
            Path in = upstream.root().resolve("in/cams/cam");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(in.resolve("a.bin"))
                    && Files.exists(in.resolve("b.bin")));
            assertThat(in.resolve("a.bin")).hasBinaryContent(a);
            assertThat(in.resolve("b.bin")).hasBinaryContent(b);
            assertThat(rebuilt.log()).contains("the ledger now has the 1 file(s) of the spool it did not know");
        }
        assertThat(data.resolve("quarantine")).as("nothing quarantined").doesNotExist();
    }
}
