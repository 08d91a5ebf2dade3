package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
 * {@code --rebuild-ledger} it owes every spool file to its upstreams again.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LedgerLossIT {
    @TempDir
    Path dir;

    @Test
    void aMissingOrEmptyLedgerIsRefusedAndRebuiltOnlyOnRequest() throws Exception {
        int upstreamPort = PeerProcess.freePort();
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        Path data = dir.resolve("data");
        String yaml = AgentProcess.yaml(data, ftp, http,
                AgentProcess.upstream("hq", upstreamPort, PyFtpd.USER, PyFtpd.PASSWORD), "broker: \"\"");
        Map<String, byte[]> sent = new LinkedHashMap<>();
        try (AgentProcess first = new AgentProcess(dir.resolve("agent1"), yaml, ftp, http, Map.of()).start(true)) {
            for (int i = 0; i < 3; i++) {
                byte[] body = Devices.randomBytes(10_000 + i, i);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a" + i + ".bin", body)).isEqualTo(226);
                sent.put("cams/cam/a" + i + ".bin", body);
            }
        }
        for (String name : new String[] {"ledger.db", "ledger.db-wal", "ledger.db-shm"}) {
            Files.deleteIfExists(data.resolve(name));
        }

        AgentProcess refused = new AgentProcess(dir.resolve("agent2"), yaml, ftp, http, Map.of()).start(false);
        assertThat(refused.waitForExit(Duration.ofSeconds(40))).isEqualTo(3);
        assertThat(refused.log()).contains("ledger").contains("missing").contains("--rebuild-ledger");
        assertThat(data.resolve("ledger.db")).as("nothing created").doesNotExist();
        assertThat(data.resolve("quarantine")).as("nothing quarantined").doesNotExist();

        Files.write(data.resolve("ledger.db"), new byte[0]); // truncated to nothing
        AgentProcess empty = new AgentProcess(dir.resolve("agent3"), yaml, ftp, http, Map.of()).start(false);
        assertThat(empty.waitForExit(Duration.ofSeconds(40))).isEqualTo(3);
        assertThat(empty.log()).contains("is empty");
        Files.delete(data.resolve("ledger.db"));

        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), upstreamPort);
             AgentProcess rebuilt = new AgentProcess(dir.resolve("agent4"), yaml, ftp, http, Map.of())
                     .start(true, "--rebuild-ledger")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.keySet().stream()
                    .allMatch(p -> Files.exists(upstream.root().resolve("in").resolve(p))));
            for (var e : sent.entrySet()) {
                assertThat(upstream.root().resolve("in").resolve(e.getKey())).hasBinaryContent(e.getValue());
            }
            assertThat(rebuilt.log()).contains("--rebuild-ledger: a new ledger with the 3 file(s)");
        }
        AgentProcess again = new AgentProcess(dir.resolve("agent5"), yaml, ftp, http, Map.of())
                .start(false, "--rebuild-ledger");
        assertThat(again.waitForExit(Duration.ofSeconds(40))).as("the ledger is there now").isEqualTo(3);
        assertThat(again.log()).contains("the option is for a ledger that was lost");
    }
}
