package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged agent against real peers: curl and Commons Net as devices, pyftpdlib as the upstream,
 * Mosquitto as the broker, mosquitto_sub as the operator.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void uploadsReachTheUpstreamAndEveryInterfaceSaysSo() throws Exception {
        Path mosquittoSub = Peers.require("mosquitto_sub", "mosquitto-clients");
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
             PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            Path mqttLog = dir.resolve("mqtt.log");
            Process sub = new ProcessBuilder(mosquittoSub.toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(broker.port()), "-t", "edgesync/it-agent/#", "-v")
                    .redirectErrorStream(true).redirectOutput(mqttLog.toFile()).start();
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), PyFtpd.USER, PyFtpd.PASSWORD),
                    "broker: " + broker.url() + "\nstatus-interval: 2s");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                Map<String, byte[]> sent = new LinkedHashMap<>();
                byte[] photo = Devices.randomBytes(256 * 1024, 1);
                assertThat(Devices.curl(Devices.write(dir.resolve("src/photo.jpg"), photo), ftp, "cam", "cam-pw-secret",
                        "gate/2026/photo.jpg")).isZero();
                sent.put("cams/cam/gate/2026/photo.jpg", photo);
                for (int i = 0; i < 5; i++) {
                    byte[] body = Devices.randomBytes(1000 * (i + 1), 100 + i);
                    assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "batch", "f" + i + ".dat", body)).isEqualTo(226);
                    sent.put("cams/cam/batch/f" + i + ".dat", body);
                }
                byte[] empty = new byte[0];
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "empty.txt", empty)).isEqualTo(226);
                sent.put("cams/cam/empty.txt", empty);

                await().atMost(Duration.ofSeconds(30)).until(() -> sent.keySet().stream()
                        .allMatch(p -> Files.exists(upstream.root().resolve("in").resolve(p))));
                for (var e : sent.entrySet()) {
                    assertThat(upstream.root().resolve("in").resolve(e.getKey())).as(e.getKey()).hasBinaryContent(e.getValue());
                }
                assertThat(filesUnder(upstream.root())).as("nothing but the final names upstream")
                        .hasSize(sent.size()).noneMatch(p -> p.contains(".part") || p.contains(".edgesync"));

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    JsonNode status = JSON.readTree(agent.get("/api/v1/status").body());
                    JsonNode hq = status.path("upstreams").get(0);
                    assertThat(hq.path("backlog").asLong()).isZero();
                    assertThat(hq.path("delivered").asLong()).isEqualTo(sent.size());
                });
                JsonNode status = JSON.readTree(agent.get("/api/v1/status").body());
                assertThat(status.path("agent").asText()).isEqualTo("it-agent");
                assertThat(status.path("ingest").path("filesReceived").asLong()).isEqualTo(sent.size());
                assertThat(status.path("upstreams").get(0).path("state").asText()).isEqualTo("up");
                assertThat(status.path("mqtt").path("connected").asBoolean()).isTrue();
                assertThat(status.path("recentTransfers")).hasSize(sent.size());

                HttpResponse<String> health = agent.get("/health");
                assertThat(health.statusCode()).isEqualTo(200);
                JsonNode checks = JSON.readTree(health.body()).path("checks");
                List<String> names = new ArrayList<>();
                checks.forEach(c -> names.add(c.path("name").asText()));
                // ftp and ledger count for liveness (restart the agent) and for readiness (send traffic) both
                assertThat(names).containsExactlyInAnyOrder("ftp", "ledger", "ftp", "ledger", "storage", "disk",
                        "upstream:hq", "mqtt", "devices");
                List<String> ready = new ArrayList<>();
                JSON.readTree(agent.get("/health/ready").body()).path("checks").forEach(c -> ready.add(c.path("name").asText()));
                assertThat(ready).containsExactlyInAnyOrder("ftp", "ledger", "storage", "disk", "upstream:hq", "mqtt",
                        "devices");
                checks.forEach(c -> assertThat(c.path("status").asText()).as(c.toString()).isEqualTo("UP"));
                assertThat(agent.get("/health/ready").statusCode()).isEqualTo(200);

                String metrics = agent.get("/metrics").body();
                assertThat(metrics)
                        .contains("edgesync_files_received_total{user=\"cam\"} " + sent.size() + ".0")
                        .contains("edgesync_files_synced_total{upstream=\"hq\"} " + sent.size() + ".0")
                        .contains("edgesync_backlog_files{upstream=\"hq\"} 0.0")
                        .contains("edgesync_transfer_duration_seconds_count{upstream=\"hq\"} " + sent.size())
                        .contains("jvm_memory_used_bytes");

                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    var events = JsonFacts.events(mqttLog);
                    for (String path : sent.keySet()) {
                        assertThat(JsonFacts.hasEvent(events, "received", path)).as("received " + path).isTrue();
                        assertThat(JsonFacts.hasEvent(events, "delivered", path)).as("delivered " + path).isTrue();
                    }
                    assertThat(JsonFacts.statuses(mqttLog)).anyMatch(s -> s.path("agent").asText().equals("it-agent")
                            && s.path("online").asBoolean());
                });

                org.apache.commons.net.ftp.FTPClient technician = new org.apache.commons.net.ftp.FTPClient();
                technician.setDefaultTimeout(10_000);
                technician.connect("127.0.0.1", ftp);
                assertThat(technician.login("cam", "cam-pw-secret")).isTrue();
                assertThat(technician.sendSiteCommand("SYNC batch/f0.dat")).isTrue();
                assertThat(technician.getReplyString()).contains("hq: delivered at");
                assertThat(technician.sendSiteCommand("QUEUE")).isTrue();
                assertThat(technician.getReplyString()).contains("hq: up, 0 waiting, 0 parked");
                technician.disconnect();

                assertThat(Devices.curl(Devices.write(dir.resolve("src/x"), new byte[10]), ftp, "cam", "wrong-pw", "x"))
                        .as("curl's 'login denied'").isEqualTo(67);

                String everything = agent.log() + metrics + agent.get("/api/v1/status").body() + Files.readString(mqttLog);
                assertThat(everything).doesNotContain("cam-pw-secret", PyFtpd.PASSWORD);

                agent.stop();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(JsonFacts.statuses(mqttLog))
                        .last().satisfies(s -> assertThat(s.path("online").asBoolean(true)).isFalse()));
            } finally {
                sub.destroy();
            }
        }
    }

    private static List<String> filesUnder(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).toList();
        }
    }
}
