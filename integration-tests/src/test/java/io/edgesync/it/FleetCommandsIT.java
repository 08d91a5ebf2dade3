package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fleet protocol of README "Fleet", driven as an operator would: every command over MQTT with
 * {@code mosquitto_rr} (MQTT 5 request/response), replies by {@code reply-to} and on the default reply
 * topic with MQTT 3.1.1 {@code mosquitto_pub}, the fleet-wide and group topics, every error reply, the
 * same commands over HTTP with the bearer token, and the telemetry beside them (events, metrics, the
 * silence alarm). One packaged agent, a real Mosquitto and a real pyftpdlib upstream.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FleetCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "edgesync/it-agent";
    private static final String GATE = """
                - name: gate
                  password: gate-pw-secret
                  home: gates/gate
                  perm: w
                  expect-every: 2s
            """;

    @TempDir
    Path dir;

    private static String withGateUser(String yaml) {
        return yaml.replace("      perm: elradfmw\n", "      perm: elradfmw\n" + GATE);
    }

    private AgentProcess agent(Mosquitto broker, int upstreamPort) throws Exception {
        return agent("broker: " + broker.url() + "\ngroups: [site-a]\nmetrics-interval: 1s\nstatus-interval: 2s",
                upstreamPort, UnaryOperator.identity());
    }

    /** @param edit changes the generated configuration before the agent starts */
    private AgentProcess agent(String mqtt, int upstreamPort, UnaryOperator<String> edit) throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = edit.apply(withGateUser(AgentProcess.yaml(dir.resolve("data"), ftp, http,
                AgentProcess.upstream("hq", upstreamPort, PyFtpd.USER, PyFtpd.PASSWORD), mqtt)));
        return new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true);
    }

    /** curl as in the README; returns what it printed. */
    private static String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS"));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void upload(AgentProcess agent, String name) throws Exception {
        assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-secret", "", name,
                Devices.randomBytes(3000, name.hashCode()))).isEqualTo(226);
    }

    private static JsonNode ok(JsonNode reply) {
        assertThat(reply.path("ok").asBoolean()).as(reply.toString()).isTrue();
        assertThat(reply.path("agent").asText()).isEqualTo("it-agent");
        return reply.path("result");
    }

    private static void error(JsonNode reply, String code, String message) {
        assertThat(reply.path("ok").asBoolean()).as(reply.toString()).isFalse();
        assertThat(reply.path("error").path("code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.path("error").path("message").asText()).contains(message);
    }

    @Test
    void everyCommandAndEveryErrorOverMqttAsAnOperatorSendsThem() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
            Operator ops = new Operator(broker.port());
            Path log = dir.resolve("mqtt.log");
            // listening before the agent starts: the silence alarm of 'gate' (2 s) goes out once, early
            Process sub = ops.subscribe("edgesync/#", log);
            try (AgentProcess agent = agent(broker, upstream.port())) {
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains(A + "/status {"));

                // ping and status, on the agent's topic, the fleet's and its group's
                assertThat(ok(ops.request(A + "/cmd/ping", "{\"id\":\"p1\"}")).path("pong").asBoolean()).isTrue();
                assertThat(ops.request("edgesync/all/cmd/ping", "{}").path("agent").asText()).isEqualTo("it-agent");
                assertThat(ok(ops.request("edgesync/group/site-a/cmd/ping", "")).path("pong").asBoolean()).isTrue();
                JsonNode status = ok(ops.request(A + "/cmd/status", "{}"));
                assertThat(status.path("upstreams").get(0).path("name").asText()).isEqualTo("hq");

                // the receipt trail of one file: received, queued, delivered (with its verification)
                upload(agent, "a.bin");
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                        Operator.messages(log, A + "/events").stream().filter(e -> e.path("path").asText().equals("cams/cam/a.bin"))
                                .map(e -> e.path("type").asText()).toList()).containsSubsequence("received", "queued", "delivered"));
                JsonNode delivered = Operator.messages(log, A + "/events").stream()
                        .filter(e -> e.path("type").asText().equals("delivered")).findFirst().orElseThrow();
                assertThat(delivered.path("verified").asText()).isIn("size", "sha256");

                // pause: nothing starts; queue shows it; cancel one, resume delivers the other
                assertThat(ok(ops.request(A + "/cmd/pause", "{\"upstream\":\"hq\"}")).path("paused")).hasSize(1);
                upload(agent, "b.bin");
                upload(agent, "c.bin");
                JsonNode queue = ok(ops.request(A + "/cmd/queue", "{\"state\":\"pending\",\"per-page\":1}"));
                assertThat(queue.path("total").asInt()).isEqualTo(2);
                assertThat(queue.path("items")).hasSize(1);
                JsonNode first = queue.path("items").get(0);
                assertThat(first.path("path").asText()).isEqualTo("cams/cam/b.bin");
                long b = first.path("delivery").asLong();
                assertThat(ok(ops.request(A + "/cmd/cancel", "{\"delivery\":" + b + "}")).path("cancelled")
                        .path("path").asText()).isEqualTo("cams/cam/b.bin");
                error(ops.request(A + "/cmd/cancel", "{\"delivery\":" + b + "}"), "conflict", "is superseded");
                error(ops.request(A + "/cmd/cancel", "{\"delivery\":999999}"), "not-found", "no delivery 999999");
                JsonNode paused = ok(ops.request(A + "/cmd/status", "{}")).path("upstreams").get(0);
                assertThat(paused.path("paused").asBoolean()).isTrue();
                assertThat(paused.path("backlog").asInt()).isEqualTo(1);
                assertThat(ok(ops.request(A + "/cmd/resume", "{}")).path("resumed")).hasSize(1);
                Path c = upstream.root().resolve("in/cams/cam/c.bin");
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(c));
                assertThat(upstream.root().resolve("in/cams/cam/b.bin")).as("cancelled").doesNotExist();

                // transfers (history), retry of a delivered one refused, resync delivers again
                JsonNode transfers = ok(ops.request(A + "/cmd/transfers", "{\"page\":1,\"per-page\":10}"));
                assertThat(transfers.path("items").findValuesAsText("path")).contains("cams/cam/a.bin", "cams/cam/c.bin");
                long delivery = transfers.path("items").get(0).path("delivery").asLong();
                error(ops.request(A + "/cmd/retry", "{\"delivery\":" + delivery + "}"), "conflict", "resync");
                assertThat(ok(ops.request(A + "/cmd/retry", "{}")).path("retried").asInt()).isZero();
                Files.delete(upstream.root().resolve("in/cams/cam/a.bin"));
                JsonNode resync = ok(ops.request(A + "/cmd/resync", "{\"glob\":\"cams/cam/a.*\"}"));
                assertThat(resync.path("files").asInt()).isEqualTo(1);
                assertThat(resync.path("queued").asInt()).isEqualTo(1);
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(upstream.root().resolve("in/cams/cam/a.bin")));

                // FTP sessions: listed, and one kicked
                try (Socket device = new Socket(InetAddress.getLoopbackAddress(), agent.ftpPort)) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(device.getInputStream(), StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).startsWith("220");
                    device.getOutputStream().write("USER cam\r\nPASS cam-pw-secret\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).startsWith("331");
                    assertThat(in.readLine()).startsWith("230");
                    JsonNode sessions = ok(ops.request(A + "/cmd/sessions", "{}")).path("sessions");
                    JsonNode mine = sessions.findParents("user").stream().filter(s -> s.path("user").asText().equals("cam"))
                            .findFirst().orElseThrow();
                    assertThat(mine.path("clientAddress").asText()).isEqualTo("127.0.0.1");
                    ok(ops.request(A + "/cmd/kick", "{\"session\":\"" + mine.path("id").asText() + "\"}"));
                    device.setSoTimeout(10_000);
                    assertThat(in.readLine()).as("the connection was closed").isNull();
                }
                error(ops.request(A + "/cmd/kick", "{\"session\":\"nope\"}"), "not-found", "no session");

                // log level, disk, purge
                JsonNode level = ok(ops.request(A + "/cmd/log-level", "{\"logger\":\"io.edgesync.agent.sync\",\"level\":\"debug\"}"));
                assertThat(level.path("previous").asText()).isEqualTo("INFO");
                error(ops.request(A + "/cmd/log-level", "{\"logger\":\"x\",\"level\":\"LOUD\"}"), "bad-arguments", "'level'");
                JsonNode disk = ok(ops.request(A + "/cmd/disk", "{}"));
                assertThat(disk.path("freeBytes").asLong()).isPositive();
                assertThat(disk.path("spoolFiles").asInt()).isEqualTo(3);
                // a.bin and c.bin delivered, b.bin cancelled: nothing is owed for any of them
                assertThat(ok(ops.request(A + "/cmd/purge-delivered", "{}")).path("deleted").asInt()).isEqualTo(3);
                assertThat(agent.dir.resolveSibling("data").resolve("spool/cams/cam/a.bin")).doesNotExist();
                assertThat(ok(ops.request(A + "/cmd/disk", "{}")).path("spoolFiles").asInt()).isZero();

                // every kind of bad request gets an error reply, and the agent answers the next one
                error(ops.request(A + "/cmd/status", "not json"), "bad-json", "not JSON");
                error(ops.request(A + "/cmd/reboot", "{}"), "unknown-command", "commands: status, ping");
                error(ops.request(A + "/cmd/pause", "{\"upstream\":7}"), "bad-arguments", "must be a string");
                error(ops.request(A + "/cmd/pause", "{\"upstream\":\"nope\"}"), "not-found", "upstreams: hq");
                error(ops.request(A + "/cmd/resync", "{}"), "bad-arguments", "'glob' is required");
                error(ops.request(A + "/cmd/queue", "{\"state\":\"lost\"}"), "bad-arguments", "'state'");
                error(ops.request(A + "/cmd/queue", "{\"per-page\":100000}"), "bad-arguments", "between 1 and 500");
                error(ops.request(A + "/cmd/ping", "{\"x\":\"" + "y".repeat(20_000) + "\"}"), "too-large", "16384");
                assertThat(ok(ops.request(A + "/cmd/ping", "{}")).path("pong").asBoolean()).isTrue();

                // MQTT 3.1.1 tools: the reply goes to reply-to, else to A/reply/<name>
                Path replies = dir.resolve("replies.log");
                Process replySub = ops.subscribe("ops/#", replies);
                Path defaults = dir.resolve("defaults.log");
                Process defaultSub = ops.subscribe(A + "/reply/#", defaults);
                try {
                    ops.publish(A + "/cmd/ping", "{\"id\":\"v311\",\"reply-to\":\"ops/desk\"}", "-V", "mqttv311");
                    ops.publish(A + "/cmd/ping", "{\"id\":\"plain\"}", "-V", "mqttv311");
                    // a QoS 1 redelivery (the same id) runs once and is answered again
                    ops.publish(A + "/cmd/pause", "{\"id\":\"dup-1\"}", "-V", "mqttv311");
                    ops.publish(A + "/cmd/pause", "{\"id\":\"dup-1\"}", "-V", "mqttv311");
                    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                        assertThat(Operator.messages(replies, "ops/desk")).singleElement()
                                .satisfies(r -> assertThat(r.path("id").asText()).isEqualTo("v311"));
                        assertThat(Operator.messages(defaults, A + "/reply/ping")).singleElement()
                                .satisfies(r -> assertThat(r.path("id").asText()).isEqualTo("plain"));
                        assertThat(Operator.messages(defaults, A + "/reply/pause")).hasSize(2)
                                .allSatisfy(r -> assertThat(r.path("result").path("paused")).hasSize(1));
                    });
                    assertThat(agent.log()).contains("command pause id dup-1 seen before");
                    // the README's fleet-wide status: mosquitto_pub with a response topic, replies on it
                    ops.publish("edgesync/all/cmd/status", "{}", "-D", "publish", "response-topic", "ops/fleet");
                    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                            Operator.messages(replies, "ops/fleet")).singleElement().satisfies(r ->
                            assertThat(r.path("result").path("agent").asText()).isEqualTo("it-agent")));
                } finally {
                    replySub.destroy();
                    defaultSub.destroy();
                }
                ok(ops.request(A + "/cmd/resume", "{}"));

                // telemetry beside the commands: the metrics snapshot, the silence alarm of 'gate'
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(Operator.messages(log, A + "/metrics")).last().satisfies(m -> assertThat(
                            m.path("meters").path("edgesync.files.received{user=cam}").asDouble()).isEqualTo(3.0));
                    assertThat(Operator.messages(log, A + "/events")).anySatisfy(e -> {
                        assertThat(e.path("type").asText()).isEqualTo("silent");
                        assertThat(e.path("user").asText()).isEqualTo("gate");
                    });
                });
                JsonNode silent = ok(ops.request(A + "/cmd/status", "{}")).path("silentDevices");
                assertThat(silent.findValuesAsText("user")).containsExactly("gate");
                assertThat(agent.get("/health").body()).contains("device(s) silent");
                assertThat(Devices.upload(agent.ftpPort, "gate", "gate-pw-secret", "", "g.jpg", new byte[10])).isEqualTo(226);
                // the alarm clears at once (expect-every is 2 s here, so it may be raised again soon after)
                await().atMost(Duration.ofSeconds(10)).until(() -> agent.log().contains("device gate uploads again"));
                assertThat(Files.readString(log)).doesNotContain("cam-pw-secret").doesNotContain(PyFtpd.PASSWORD)
                        .doesNotContain(AgentProcess.TOKEN);
            } finally {
                sub.destroy();
            }
        }
    }

    @Test
    void aBrokerKilledAndRestartedGetsStatusAgainAndCommandsWorkAgain() throws Exception {
        int brokerPort = PeerProcess.freePort();
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            Mosquitto broker = Mosquitto.start(dir.resolve("broker"), brokerPort);
            Operator ops = new Operator(brokerPort);
            // a command left retained on the agent's topic: delivered at subscribe time, it must not run
            ops.publish(A + "/cmd/pause", "{\"id\":\"left-over\"}", "-r");
            try (AgentProcess agent = agent(broker, upstream.port())) {
                await().atMost(Duration.ofSeconds(20)).until(() -> agent.log().contains("retained command on " + A
                        + "/cmd/pause ignored"));
                assertThat(ok(ops.request(A + "/cmd/status", "{}")).path("upstreams").get(0).path("paused").asBoolean())
                        .isFalse();

                broker.kill();
                upload(agent, "offline.bin");
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        Files.exists(upstream.root().resolve("in/cams/cam/offline.bin")));
                broker = Mosquitto.start(dir.resolve("broker2"), brokerPort);
                Path log = dir.resolve("after.log");
                Process sub = ops.subscribe("edgesync/#", log);
                try {
                    // the new broker knows nothing: the agent's birth message brings the retained status back,
                    // its resubscription brings commands back, and what happened meanwhile arrives in order
                    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                        assertThat(Operator.messages(log, A + "/status")).anySatisfy(st ->
                                assertThat(st.path("online").asBoolean()).isTrue());
                        assertThat(Operator.messages(log, A + "/events").stream()
                                .filter(e -> e.path("path").asText().equals("cams/cam/offline.bin"))
                                .map(e -> e.path("type").asText()).toList())
                                .containsSubsequence("received", "queued", "delivered");
                    });
                    assertThat(ok(ops.request(A + "/cmd/ping", "{}")).path("pong").asBoolean()).isTrue();
                    Path retained = dir.resolve("retained.log");
                    Process late = ops.subscribe(A + "/status/#", retained);
                    late.destroy();
                    assertThat(Operator.messages(retained, A + "/status")).as("a late subscriber gets the retained status")
                            .isNotEmpty();
                } finally {
                    sub.destroy();
                }
            } finally {
                broker.stop();
            }
        }
    }

    @Test
    void reloadConfigAppliesUsersAndRefusesWhatNeedsARestart() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
             AgentProcess agent = agent(broker, upstream.port())) {
            Operator ops = new Operator(broker.port());
            await().atMost(Duration.ofSeconds(20)).until(() -> agent.get("/health").statusCode() == 200);
            String original = Files.readString(agent.config);

            Files.writeString(agent.config, original.replace("password: cam-pw-secret", "password: cam-pw-new-1")
                    + "  # edited\n");
            JsonNode applied = ok(ops.request(A + "/cmd/reload-config", "{}"));
            assertThat(applied.path("applied").findValuesAsText("")).isEmpty();
            assertThat(applied.path("applied").toString()).contains("ftp.users");
            assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-new-1", "", "new.bin", new byte[5])).isEqualTo(226);
            FTPClient old = new FTPClient();
            old.connect("127.0.0.1", agent.ftpPort);
            assertThat(old.login("cam", "cam-pw-secret")).as("the old password is gone").isFalse();
            old.disconnect();

            Files.writeString(agent.config, original.replace("port: " + agent.ftpPort, "port: " + PeerProcess.freePort()));
            error(ops.request(A + "/cmd/reload-config", "{}"), "restart-required", "ftp (besides ftp.users)");
            assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-new-1", "", "still.bin", new byte[5]))
                    .as("nothing was changed").isEqualTo(226);

            Files.writeString(agent.config, original.replace("perm: elradfmw", "perm: xyz"));
            error(ops.request(A + "/cmd/reload-config", "{}"), "bad-config", "ftp.users.0.perm");
            HttpResponse<String> overHttp = agent.post("/api/v1/commands/reload-config", "{}");
            assertThat(overHttp.statusCode()).as("bad-config over HTTP: " + overHttp.body()).isEqualTo(409);
            assertThat(overHttp.body()).contains("bad-config");
        }
    }

    @Test
    void theUplinkIsShownAndChangedLiveByBandwidthBudgetAndReloadConfig() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
             AgentProcess agent = agent("broker: " + broker.url(), upstream.port(), yaml -> yaml.replace(
                     "    data-timeout: 5s\n", "    data-timeout: 5s\n    budget: {daily: 100KB}\n"
                             + "    budget-exempt: [\"cams/cam/alarms/**\"]\n"))) {
            Operator ops = new Operator(broker.port());
            await().atMost(Duration.ofSeconds(20)).until(() -> agent.get("/health").statusCode() == 200);
            JsonNode status = JSON.readTree(agent.get("/api/v1/status").body());
            assertThat(status.path("uplink").path("bandwidth").path("limit").asText()).isEqualTo("off");
            JsonNode day = status.path("upstreams").get(0).path("budget").get(0);
            assertThat(day.path("period").asText()).isEqualTo("day");
            assertThat(day.path("limitBytes").asLong()).isEqualTo(100_000);

            JsonNode limited = ok(ops.request(A + "/cmd/bandwidth", "{\"limit\": \"1Mbit\", \"for\": \"10m\"}"));
            assertThat(limited.path("agent").path("source").asText()).isEqualTo("override");
            assertThat(limited.path("agent").path("limit").asText()).isEqualTo("1 Mbit/s");
            error(ops.request(A + "/cmd/bandwidth", "{\"limit\": \"2Mb\"}"), "bad-arguments", "ambiguous");
            error(ops.request(A + "/cmd/bandwidth", "{\"for\": \"1h\"}"), "bad-arguments", "'for' needs 'limit'");
            error(ops.request(A + "/cmd/bandwidth", "{\"limit\": \"off\", \"for\": \"30d\"}"), "bad-arguments",
                    "between 1s and 7d");
            error(ops.request(A + "/cmd/budget", "{\"raise\": \"1MB\"}"), "bad-arguments", "'raise' needs 'upstream'");

            for (int i = 0; i < 3; i++) {
                assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-secret", "", "f" + i + ".bin",
                        Devices.randomBytes(40_000, i))).isEqualTo(226);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> JSON.readTree(agent.get("/api/v1/status").body())
                    .path("upstreams").get(0).path("budget").get(0).path("state").asText().equals("exhausted"));
            // the second may still be in flight when the third is found not to fit (its bytes are reserved)
            await().atMost(Duration.ofSeconds(20)).until(() -> JSON.readTree(agent.get("/api/v1/status").body())
                    .path("upstreams").get(0).path("delivered").asLong() == 2);
            JsonNode hq = JSON.readTree(agent.get("/api/v1/status").body()).path("upstreams").get(0);
            assertThat(hq.path("backlog").asLong()).as("the third waits for the budget").isEqualTo(1);
            assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-secret", "alarms", "door.json",
                    Devices.randomBytes(40_000, 9))).isEqualTo(226);
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(upstream.root()
                    .resolve("in/cams/cam/alarms/door.json")));
            assertThat(agent.get("/metrics").body())
                    .contains("edgesync_budget_used_bytes{period=\"day\",upstream=\"hq\"}")
                    .contains("edgesync_budget_alarms_total{level=\"exhausted\",period=\"day\",upstream=\"hq\"} 1.0");

            JsonNode raised = ok(ops.request(A + "/cmd/budget", "{\"upstream\": \"hq\", \"raise\": \"100KB\"}"));
            assertThat(raised.path("budgets").path("hq").get(0).path("raisedBytes").asLong()).isEqualTo(100_000);
            await().atMost(Duration.ofSeconds(20)).until(() -> JSON.readTree(agent.get("/api/v1/status").body())
                    .path("upstreams").get(0).path("backlog").asLong() == 0);

            HttpResponse<String> back = agent.post("/api/v1/commands/bandwidth", "{\"limit\": \"schedule\"}");
            assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
            assertThat(JSON.readTree(back.body()).path("result").path("agent").path("source").asText()).isEqualTo("none");

            String original = Files.readString(agent.config);
            Files.writeString(agent.config, original.replace("  retry-max: 2s\n", "  retry-max: 2s\n"
                    + "  priorities: [{glob: \"cams/cam/alarms/**\", priority: 10}]\n")
                    .replace("    budget: {daily: 100KB}\n", "    budget: {daily: 100KB}\n    bandwidth: 256KiB\n"));
            JsonNode applied = ok(ops.request(A + "/cmd/reload-config", "{}"));
            assertThat(applied.path("applied").toString()).contains("sync.priorities").contains("upstreams.hq.bandwidth");
            status = JSON.readTree(agent.get("/api/v1/status").body());
            assertThat(status.path("uplink").path("priorities").get(0).path("priority").asInt()).isEqualTo(10);
            assertThat(status.path("upstreams").get(0).path("bandwidth").path("limit").asText())
                    .isEqualTo("2.10 Mbit/s");
            assertThat(status.toString()).doesNotContain(PyFtpd.PASSWORD);
        }
    }

    @Test
    void withTokenForReadsTheStatusAndMetricsNeedTheTokenAndHealthDoesNot() throws Exception {
        String token = "  token: " + AgentProcess.TOKEN + "\n";
        try (AgentProcess agent = agent("broker: \"\"", PeerProcess.freePort(),
                yaml -> yaml.replace(token, token + "  token-for-reads: true\n"))) {
            assertThat(agent.get("/api/v1/status").statusCode()).isEqualTo(401);
            assertThat(agent.get("/metrics").statusCode()).isEqualTo(401);
            HttpResponse<String> live = agent.get("/health/live");
            assertThat(live.statusCode()).as("up, without the checks' details").isEqualTo(204);
            assertThat(live.body()).isEmpty();
            assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer " + AgentProcess.TOKEN,
                    "http://127.0.0.1:" + agent.httpPort + "/api/v1/status")).isEqualTo("200");
        }
    }

    @Test
    void httpCommandsAreTheTwinAndNeedTheToken() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
             AgentProcess agent = agent(broker, upstream.port())) {
            HttpResponse<String> none = agent.post("/api/v1/commands/ping", "{}", Optional.empty());
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"edgesync\"");
            assertThat(agent.post("/api/v1/commands/ping", "{}", Optional.of("wrong-token-0123456789")).statusCode())
                    .isEqualTo(401);
            HttpResponse<String> ping = agent.post("/api/v1/commands/ping", "{\"id\":\"h1\"}");
            assertThat(ping.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(ping.body()).path("id").asText()).isEqualTo("h1");
            // the README's curl line
            JsonNode paused = JSON.readTree(curl("-H", "Authorization: Bearer " + AgentProcess.TOKEN, "-d",
                    "{\"upstream\":\"hq\"}", "http://127.0.0.1:" + agent.httpPort + "/api/v1/commands/pause"));
            assertThat(paused.path("ok").asBoolean()).isTrue();
            assertThat(paused.path("result").path("paused")).containsExactly(JSON.getNodeFactory().textNode("hq"));
            assertThat(agent.post("/api/v1/commands/nope", "{}").statusCode()).isEqualTo(404);
            assertThat(agent.post("/api/v1/commands/cancel", "{\"delivery\":1}").statusCode()).isEqualTo(404);
            assertThat(agent.post("/api/v1/commands/queue", "{\"page\":0}").statusCode()).isEqualTo(400);
            assertThat(agent.post("/api/v1/commands/ping", "x".repeat(20_000)).statusCode()).isEqualTo(413);
            assertThat(agent.get("/api/v1/status").statusCode()).as("reads are open by default").isEqualTo(200);
            assertThat(agent.get("/health/live").statusCode()).isEqualTo(200);
            assertThat(agent.log()).doesNotContain(AgentProcess.TOKEN);
        }
    }
}
