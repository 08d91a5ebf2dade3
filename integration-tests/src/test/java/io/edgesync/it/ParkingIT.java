package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Parked deliveries: after sync.max-attempts, counted, and sent again on an operator's retry. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParkingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aDeliveryParkedAfterMaxAgeIsSentOnRetry() throws Exception {
        int upstreamPort = PeerProcess.freePort();
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                AgentProcess.upstream("hq", upstreamPort, PyFtpd.USER, PyFtpd.PASSWORD), "broker: \"\"",
                "sync.max-age: 1500ms");
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
            byte[] body = Devices.randomBytes(5000, 3);
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "p.bin", body)).isEqualTo(226);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode hq = JSON.readTree(agent.get("/api/v1/status").body()).path("upstreams").get(0);
                assertThat(hq.path("parked").asLong()).isEqualTo(1);
                assertThat(hq.path("backlog").asLong()).isZero();
            });
            assertThat(agent.get("/metrics").body()).contains("edgesync_parked_files{upstream=\"hq\"} 1.0");
            assertThat(agent.log()).containsPattern("p.bin to hq parked after attempt \\d+ \\(max-age\\)");

            HttpResponse<String> bad = agent.post("/api/v1/commands/retry", "{\"upstream\": 7}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(JsonFacts.parse(bad.body()).path("ok").asBoolean(true)).isFalse();
            assertThat(JsonFacts.parse(bad.body()).path("error").path("code").asText()).isEqualTo("bad-arguments");
            assertThat(agent.post("/api/v1/commands/retry", "not json").body()).contains("bad-json");
            assertThat(agent.post("/api/v1/commands/retry", "{\"upstream\":\"nope\"}").statusCode()).isEqualTo(404);

            try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), upstreamPort)) {
                HttpResponse<String> ok = agent.post("/api/v1/commands/retry", "{\"upstream\":\"hq\"}");
                assertThat(ok.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(ok.body()).path("result").path("retried").asInt()).isEqualTo(1);
                Path arrived = upstream.root().resolve("in/cams/cam/p.bin");
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(arrived));
                assertThat(arrived).hasBinaryContent(body);
            }
        }
    }

    @Test
    void anUpstreamThatRefusesTheFileParksItAtOnce() throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        Path root = Files.createDirectories(dir.resolve("readonly"));
        int port = PeerProcess.freePort();
        // pyftpdlib without -w: a read-only user, every STOR gets 550
        PeerProcess readOnly = new PeerProcess("pyftpdlib-ro", java.util.List.of("/usr/bin/python3", "-m", "pyftpdlib",
                "-i", "127.0.0.1", "-p", Integer.toString(port), "-d", root.toString(), "-u", "ro", "-P", "ro-pw"),
                dir.resolve("ro.log"), port);
        io.edgesync.testing.Peers.pyftpdlib();
        Files.createDirectories(root.resolve("in/cams/cam"));
        try (readOnly) {
            readOnly.start();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", port, "ro", "ro-pw"), "broker: \"\"");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "r.bin", new byte[100])).isEqualTo(226);
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(agent.log()).contains("r.bin to hq parked after attempt 1 (refused)");
                    // counted when the event goes out, a moment after the log line
                    assertThat(agent.get("/metrics").body())
                            .containsPattern("edgesync_sync_failures_total\\{reason=\"refused\",upstream=\"hq\"} 1.0");
                });
            }
        }
    }
}
