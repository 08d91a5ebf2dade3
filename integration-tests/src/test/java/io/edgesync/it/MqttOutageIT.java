package io.edgesync.it;

import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.PyFtpd;
import io.edgesync.testing.TcpRelay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker that is down at start, then comes and goes: ingest and sync never wait for it, the agent
 * connects by itself once it is there, and events produced meanwhile arrive in order.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MqttOutageIT {
    @TempDir
    Path dir;

    @Test
    void aBrokerThatIsDownAtStartAndComesAndGoesNeverBlocksIngestOrSync() throws Exception {
        Path mosquittoSub = Peers.require("mosquitto_sub", "mosquitto-clients");
        int brokerPort = PeerProcess.freePort();
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
             TcpRelay network = new TcpRelay(brokerPort, broker.port())) {
            // the operator listens on the broker itself; the agent reaches it only through the relay
            Path log = dir.resolve("mqtt.log");
            Process sub = subscribe(mosquittoSub, broker.port(), log);
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), PyFtpd.USER, PyFtpd.PASSWORD),
                    "broker: tcp://127.0.0.1:" + brokerPort);
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                upload(ftp, "before-1.bin");
                upload(ftp, "before-2.bin");
                await().atMost(Duration.ofSeconds(15)).until(() ->
                        Files.exists(upstream.root().resolve("in/cams/cam/before-2.bin")));
                assertThat(agent.get("/health").statusCode()).as("mqtt check is down").isEqualTo(503);

                network.open();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(JsonFacts.hasEvent(JsonFacts.events(log), "delivered", "cams/cam/before-2.bin")).isTrue();
                    assertThat(JsonFacts.statuses(log)).anyMatch(s -> s.path("agent").asText().equals("it-agent"));
                });
                List<String> order = eventOrder(log);
                assertThat(order).as("buffered events keep their order")
                        .containsSubsequence("received before-1.bin", "received before-2.bin")
                        .containsSubsequence("received before-1.bin", "delivered before-1.bin")
                        .containsSubsequence("received before-2.bin", "delivered before-2.bin");
                await().atMost(Duration.ofSeconds(10)).until(() -> agent.get("/health").statusCode() == 200);

                network.cut();
                // the upload's event must find the broker gone, not a connection Paho has yet to see cut
                await().atMost(Duration.ofSeconds(30)).until(() -> agent.get("/health").statusCode() == 503);
                upload(ftp, "during-outage.bin");
                await().atMost(Duration.ofSeconds(15)).until(() ->
                        Files.exists(upstream.root().resolve("in/cams/cam/during-outage.bin")));
                assertThat(Files.readString(log)).doesNotContain("during-outage.bin");

                network.open();
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(eventOrder(log))
                        .containsSubsequence("received during-outage.bin", "delivered during-outage.bin"));
                assertThat(agent.get("/metrics").body()).contains("edgesync_mqtt_dropped_total 0.0");
            } finally {
                sub.destroy();
            }
        }
    }

    private static void upload(int ftp, String name) throws Exception {
        assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", name, Devices.randomBytes(2048, name.hashCode())))
                .isEqualTo(226);
    }

    private static Process subscribe(Path mosquittoSub, int port, Path log) throws Exception {
        Process sub = new ProcessBuilder(mosquittoSub.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-t", "edgesync/it-agent/#", "-v").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.isAlive() && Files.exists(log));
        return sub;
    }

    private static List<String> eventOrder(Path log) throws Exception {
        return JsonFacts.events(log).stream().filter(e -> e.path("path").asText().startsWith("cams/cam/"))
                .map(e -> e.path("type").asText() + " " + e.path("path").asText().substring("cams/cam/".length())).toList();
    }
}
