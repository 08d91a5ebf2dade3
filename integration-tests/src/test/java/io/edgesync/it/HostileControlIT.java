package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What anyone who can publish to the broker or reach the HTTP port can try (issue 15), against one packaged
 * agent with a real Mosquitto: a request whose reply would loop, a burst of 2,000 commands, a retained
 * command published live, a resync glob that backtracks for ever in the JDK, {@code bearer} in lower case,
 * and every library logger at TRACE while secrets are in use.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class HostileControlIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "edgesync/it-agent";

    @TempDir
    Path dir;

    /** Paho 5's MqttClient.subscribe(String, int, listener) calls itself for ever: the array form works. */
    private static void subscribe(MqttClient c, String filter, IMqttMessageListener listener) throws MqttException {
        c.subscribe(new MqttSubscription[]{new MqttSubscription(filter, 1)}, new IMqttMessageListener[]{listener});
    }

    /** Publishes at QoS 1 and waits for the broker's acknowledgement (about a millisecond on loopback). */
    private static void publish(MqttClient c, String topic, String payload, boolean retained) throws Exception {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        m.setRetained(retained);
        c.publish(topic, m);
    }

    @Test
    void noMessageLoopsStallsOrRunsRetainedAndNoSecretReachesTheLogAtTrace() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), PyFtpd.USER, PyFtpd.PASSWORD),
                    "broker: " + broker.url() + "\ngroups: [site-a]");
            MqttClient ops = Operator.paho(broker, "ops");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                Operator shell = new Operator(broker.port());
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> shell.request(A + "/cmd/ping", "{}")
                        .path("ok").asBoolean());

                // 10: a reply asked to go to a command topic (the agent's own, or the fleet's) is never sent
                AtomicInteger onCommandTopics = new AtomicInteger();
                subscribe(ops, "edgesync/+/cmd/#", (t, m) -> onCommandTopics.incrementAndGet());
                publish(ops, A + "/cmd/ping", "{\"id\":\"loop1\",\"reply-to\":\"" + A + "/cmd/ping\"}", false);
                publish(ops, "edgesync/all/cmd/ping", "{\"id\":\"loop2\",\"reply-to\":\"edgesync/all/cmd/ping\"}", false);
                Thread.sleep(3_000);
                assertThat(onCommandTopics.get()).as("messages on command topics after two looping requests")
                        .isLessThanOrEqualTo(2);
                assertThat(agent.log()).contains("not sent: it was asked to go to the command topic");

                // 11: 2,000 requests at once, each answered (a result, or 'unavailable' when refused for load)
                Set<String> answered = ConcurrentHashMap.newKeySet();
                AtomicInteger unavailable = new AtomicInteger();
                subscribe(ops, "ops/burst", (t, m) -> {
                    JsonNode reply = JSON.readTree(m.getPayload());
                    answered.add(reply.path("id").asText());
                    if ("unavailable".equals(reply.path("error").path("code").asText())) {
                        unavailable.incrementAndGet();
                    }
                });
                for (int i = 0; i < 2_000; i++) {
                    publish(ops, A + "/cmd/status", "{\"id\":\"b" + i + "\",\"reply-to\":\"ops/burst\"}", false);
                }
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                        assertThat(answered).as("requests answered of 2,000 (%d unavailable)", unavailable.get())
                                .hasSize(2_000));
                assertThat(agent.log()).doesNotContain("the broker is unreachable");

                // 12: a retained command published while the agent is connected does not run
                publish(ops, A + "/cmd/pause", "{\"id\":\"retained-pause\"}", true);
                Thread.sleep(2_000);
                assertThat(JSON.readTree(agent.get("/api/v1/status").body()).path("upstreams").get(0)
                        .path("paused").asBoolean()).as("paused by a retained command").isFalse();
                publish(ops, A + "/cmd/pause", "", true); // clears the retained message

                // 13: a glob that backtracks for ever in the JDK's matcher is answered at once
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a".repeat(120) + ".bin", new byte[10]))
                        .isEqualTo(226);
                JsonNode resync = shell.request(A + "/cmd/resync",
                        "{\"glob\":\"**" + "*a".repeat(16) + "*b\"}");
                assertThat(resync.path("ok").asBoolean()).as(resync.toString()).isTrue();
                assertThat(resync.path("result").path("files").asInt()).isZero();
                assertThat(shell.request(A + "/cmd/resync", "{\"glob\":\"cams/{a,{b}}\"}").path("error").path("code")
                        .asText()).isEqualTo("bad-arguments");

                // 15: the Bearer scheme in any case (RFC 6750, RFC 7235)
                HttpClient http1 = HttpClient.newHttpClient();
                HttpResponse<String> lower = http1.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
                                + "/api/v1/commands/ping")).header("Authorization", "bearer " + AgentProcess.TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(lower.statusCode()).as(lower.body()).isEqualTo(200);

                // 14: every library logger at TRACE (a remote command), then the secrets go over every wire
                for (String logger : List.of("root", "io.helidon", "org.apache.ftpserver", "org.apache.mina",
                        "org.eclipse.paho", "io.edgesync")) {
                    assertThat(agent.post("/api/v1/commands/log-level", "{\"logger\":\"" + logger
                            + "\",\"level\":\"TRACE\"}").statusCode()).isEqualTo(200);
                }
                agent.post("/api/v1/commands/status", "{}");
                agent.post("/api/v1/commands/status", "{}", java.util.Optional.of("wrong-token-4711"));
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "trace.bin", new byte[2000])).isEqualTo(226);
                Devices.upload(ftp, "cam", "not-the-pw-0815", "", "refused.bin", new byte[10]);
                await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(agent.get("/api/v1/status").body())
                        .path("upstreams").get(0).path("delivered").asLong() >= 2);
                String log = agent.log();
                // TRACE reached every library whose lines could carry a secret: each wrote below INFO
                for (String library : List.of("io.helidon.webserver", "org.apache.ftpserver", "org.apache.mina",
                        "org.eclipse.paho", "org.sqlite")) {
                    assertThat(log).as("the log at TRACE").containsPattern("(?m)^\\S+ (FINE|FINER|FINEST) "
                            + java.util.regex.Pattern.quote(library));
                }
                for (String secret : List.of(AgentProcess.TOKEN, "cam-pw-secret", PyFtpd.PASSWORD, "wrong-token-4711",
                        "not-the-pw-0815")) {
                    assertThat(log).as("the log at TRACE").doesNotContain(secret);
                }
            } finally {
                ops.disconnectForcibly(1_000);
                ops.close(true);
            }
        }
    }
}
