package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.Peers;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An operator at a shell with Mosquitto's own clients: {@code mosquitto_rr} for a request and its reply,
 * {@code mosquitto_pub} and {@code mosquitto_sub} for the rest. Each call is a child process with a
 * bounded wait.
 */
final class Operator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int port;
    private final List<String> connection;

    /** @param connection further connection arguments (TLS files, user, password) for every client */
    Operator(int port, List<String> connection) {
        this.port = port;
        this.connection = List.copyOf(connection);
    }

    Operator(int port) {
        this(port, List.of());
    }

    /** A Paho MQTT 5 client connected with a clean start, for what the shell clients cannot do fast enough. */
    static MqttClient paho(Mosquitto broker, String id) throws MqttException {
        MqttClient c = new MqttClient(broker.url(), id, null);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        c.connect(options);
        return c;
    }

    /** {@code mosquitto_rr}: publishes {@code payload} to {@code topic} and returns the first reply (MQTT 5). */
    JsonNode request(String topic, String payload) throws Exception {
        String out = run(List.of("mosquitto_rr", "-t", topic, "-e", "ops/replies/" + System.nanoTime(), "-m", payload,
                "-q", "1", "-W", "15"), 20);
        return JSON.readTree(out);
    }

    /** {@code mosquitto_pub}; {@code extra} e.g. {@code -V mqttv311}. */
    void publish(String topic, String payload, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("mosquitto_pub", "-t", topic, "-m", payload, "-q", "1"));
        args.addAll(List.of(extra));
        run(args, 15);
    }

    /**
     * {@code mosquitto_sub -v} on {@code filter} (ending in {@code #}) into {@code log} until stopped; returns
     * once it receives: a marker message published under the filter has arrived.
     */
    Process subscribe(String filter, Path log, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(Peers.require("mosquitto_sub", "mosquitto-clients").toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(port), "-t", filter, "-v", "-q", "1"));
        args.addAll(connection);
        args.addAll(List.of(extra));
        Process sub = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String marker = filter.replace("#", "marker-" + System.nanoTime());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
            assertThat(sub.isAlive()).as("mosquitto_sub exited: " + Files.readString(log)).isTrue();
            publish(marker, "{}");
            return Files.readString(log).contains(marker);
        });
        return sub;
    }

    /** The payloads on {@code topic} in a {@code mosquitto_sub -v} log, parsed. */
    static List<JsonNode> messages(Path log, String topic) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith(topic + " {")) {
                out.add(JSON.readTree(line.substring(topic.length() + 1)));
            }
        }
        return out;
    }

    private String run(List<String> command, int seconds) throws Exception {
        List<String> args = new ArrayList<>();
        args.add(Peers.require(command.getFirst(), "mosquitto-clients").toString());
        args.addAll(List.of("-h", "127.0.0.1", "-p", Integer.toString(port)));
        args.addAll(connection);
        args.addAll(command.subList(1, command.size()));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("no answer within " + seconds + " s: " + args);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as(args + "\n" + out).isZero();
        return out;
    }
}
