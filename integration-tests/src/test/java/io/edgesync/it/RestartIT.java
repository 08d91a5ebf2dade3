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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Store-and-forward across an upstream outage and agent restarts (clean stop, and SIGKILL). */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void filesAcknowledgedWhileTheUpstreamIsDownArriveAfterRestarts() throws Exception {
        int upstreamPort = PeerProcess.freePort();
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                AgentProcess.upstream("hq", upstreamPort, PyFtpd.USER, PyFtpd.PASSWORD), "broker: \"\"");
        Map<String, byte[]> sent = new LinkedHashMap<>();

        try (AgentProcess first = new AgentProcess(dir.resolve("agent1"), yaml, ftp, http, Map.of()).start(true)) {
            for (int i = 0; i < 4; i++) {
                byte[] body = Devices.randomBytes(20_000 + i, i);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a" + i + ".bin", body)).isEqualTo(226);
                sent.put("cams/cam/a" + i + ".bin", body);
            }
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(first.get("/health").statusCode()).as("an unreachable upstream is not ready").isEqualTo(503);
                JsonNode hq = JSON.readTree(first.get("/api/v1/status").body()).path("upstreams").get(0);
                assertThat(hq.path("state").asText()).isEqualTo("down");
                assertThat(hq.path("backlog").asLong()).isEqualTo(4);
                assertThat(hq.path("lastError").asText()).contains("127.0.0.1:" + upstreamPort);
            });
            assertThat(first.get("/health/live").statusCode()).as("still alive: ingest works").isEqualTo(200);
            assertThat(first.get("/metrics").body()).contains("edgesync_backlog_files{upstream=\"hq\"} 4.0")
                    .containsPattern("edgesync_sync_failures_total\\{reason=\"connect\",upstream=\"hq\"} [1-9]");
            first.stop();
        }

        try (AgentProcess second = new AgentProcess(dir.resolve("agent2"), yaml, ftp, http, Map.of()).start(true)) {
            for (int i = 0; i < 3; i++) {
                byte[] body = Devices.randomBytes(30_000 + i, 10 + i);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "late", "b" + i + ".bin", body)).isEqualTo(226);
                sent.put("cams/cam/late/b" + i + ".bin", body);
            }
            second.kill(); // SIGKILL: no shutdown hook, the ledger must carry everything
        }

        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), upstreamPort);
             AgentProcess third = new AgentProcess(dir.resolve("agent3"), yaml, ftp, http, Map.of()).start(true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.keySet().stream()
                    .allMatch(p -> Files.exists(upstream.root().resolve("in").resolve(p))));
            for (var e : sent.entrySet()) {
                assertThat(upstream.root().resolve("in").resolve(e.getKey())).hasBinaryContent(e.getValue());
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode hq = JSON.readTree(third.get("/api/v1/status").body()).path("upstreams").get(0);
                assertThat(hq.path("backlog").asLong()).isZero();
                assertThat(hq.path("state").asText()).isEqualTo("up");
                assertThat(third.get("/health").statusCode()).isEqualTo(200);
            });
        }
    }
}
