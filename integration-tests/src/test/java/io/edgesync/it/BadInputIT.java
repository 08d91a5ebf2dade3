package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bad configuration, bad credentials, a refusing upstream: each gets a clear error and loses nothing. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BadInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aBadConfigurationStopsTheAgentBeforeItOpensAnyPort() throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                AgentProcess.upstream("HQ bad", 21, "u", "p"), "broker: mqtt://nowhere")
                .replace("perm: elradfmw", "perm: rwz")
                .replace("  login:", "  idle-timout: 5m\n  login:"); // misspelled
        AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(false);
        assertThat(agent.waitForExit(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(agent.log())
                .contains("ftp.idle-timout: (a value) is not a setting; did you mean ftp.idle-timeout?")
                .contains("ftp.users.0.perm: 'rwz' is not valid; allowed: one or more of the letters elradfmwMT")
                .contains("upstreams.0.name: 'HQ bad' is not valid")
                .contains("mqtt.broker: 'mqtt://nowhere' is not valid")
                .contains("not started: fix the configuration");
        assertThat(PeerProcess.accepts(ftp)).isFalse();
        assertThat(PeerProcess.accepts(http)).isFalse();
        assertThat(dir.resolve("data")).as("nothing created").doesNotExist();
    }

    @Test
    void aMissingConfigFileAndAnUnusableDataDirAreNamed() throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        AgentProcess noFile = new AgentProcess(dir.resolve("a1"), "", ftp, http, Map.of());
        Files.delete(noFile.config);
        noFile.start(false);
        assertThat(noFile.waitForExit(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(noFile.log()).contains("--config: '" + noFile.config + "' is not valid; no readable file there");

        Path blocker = Files.writeString(dir.resolve("not-a-dir"), "x");
        String yaml = AgentProcess.yaml(blocker.resolve("data"), ftp, http,
                AgentProcess.upstream("hq", 21, "u", "p"), "broker: \"\"");
        AgentProcess badDir = new AgentProcess(dir.resolve("a2"), yaml, ftp, http, Map.of()).start(false);
        assertThat(badDir.waitForExit(Duration.ofSeconds(30))).isEqualTo(3);
        assertThat(badDir.log()).contains("agent.data-dir: cannot create " + blocker.resolve("data"));
        assertThat(PeerProcess.accepts(ftp)).isFalse();
    }

    @Test
    void aSecondAgentOnTheSameDataFolderRefusesToStart() throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http, AgentProcess.upstream("hq", 21, "u", "p"),
                "broker: \"\"");
        try (AgentProcess first = new AgentProcess(dir.resolve("a1"), yaml, ftp, http, Map.of()).start(true)) {
            int ftp2 = PeerProcess.freePort();
            int http2 = PeerProcess.freePort();
            String other = AgentProcess.yaml(dir.resolve("data"), ftp2, http2, AgentProcess.upstream("hq", 21, "u", "p"),
                    "broker: \"\"");
            AgentProcess second = new AgentProcess(dir.resolve("a2"), other, ftp2, http2, Map.of()).start(false);
            assertThat(second.waitForExit(Duration.ofSeconds(30))).isEqualTo(3);
            assertThat(second.log()).contains("is in use by another edgesync agent (pid " + first.pid() + ")");
            assertThat(PeerProcess.accepts(ftp2)).isFalse();
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "still.bin", new byte[3])).isEqualTo(226);
        }
    }

    @Test
    void environmentVariablesOverrideTheFile() throws Exception {
        int ftpInFile = PeerProcess.freePort();
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftpInFile, http,
                AgentProcess.upstream("hq", 21, "u", "p"), "broker: \"\"");
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http,
                Map.of("FTP_PORT", Integer.toString(ftp), "AGENT_ID", "from-env",
                        "FTP_USERS_0_PASSWORD", "env-password", "HTTP_PROXY", "http://proxy.example:3128"))
                .start(true)) {
            assertThat(agent.log()).as("the environment is the whole system's: a warning, not a refusal")
                    .contains("environment variable HTTP_PROXY maps to http.proxy, which is not a setting; it is ignored");
            assertThat(PeerProcess.accepts(ftp)).isTrue();
            assertThat(PeerProcess.accepts(ftpInFile)).isFalse();
            assertThat(JSON.readTree(agent.get("/api/v1/status").body()).path("agent").asText()).isEqualTo("from-env");
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "x.bin", new byte[5])).isEqualTo(530);
            assertThat(Devices.upload(ftp, "cam", "env-password", "", "x.bin", new byte[5])).isEqualTo(226);
        }
    }

    @Test
    void anUpstreamThatRefusesTheLoginKeepsTheFileAndSaysWhy() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), PyFtpd.USER, "wrong-upstream-pw"), "broker: \"\"");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "kept.bin", new byte[100])).isEqualTo(226);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "../../../../etc/passwd", new byte[1]))
                        .as("a path outside the home cannot be created").isNotEqualTo(226);
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    JsonNode hq = JSON.readTree(agent.get("/api/v1/status").body()).path("upstreams").get(0);
                    assertThat(hq.path("state").asText()).isEqualTo("down");
                    assertThat(hq.path("lastError").asText()).contains("530");
                    assertThat(hq.path("backlog").asLong()).isEqualTo(1);
                    assertThat(agent.get("/metrics").body()) // counted when the event goes out, after the state
                            .containsPattern("edgesync_sync_failures_total\\{reason=\"login\",upstream=\"hq\"} [1-9]");
                });
                assertThat(agent.log()).contains("failed").contains("530").doesNotContain("wrong-upstream-pw");
                assertThat(dir.resolve("data/spool/cams/cam/kept.bin")).exists();
            }
        }
    }
}
