package io.edgesync.agent.telemetry;

import io.edgesync.agent.config.MqttSettings;
import io.edgesync.agent.config.Secret;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link MqttLink}'s contract, which the rest of the agent relies on, held by its one implementation
 * ({@link PahoLink}, Eclipse Paho) against a real Mosquitto: the first connect is retried until a broker
 * is there, every subscription comes back after a reconnect, publishing never blocks and says when it was
 * not taken, replies carry the request's correlation data, retained messages are marked, and a clean close
 * sends no last will.
 */
class MqttLinkContractTest {
    @TempDir
    Path dir;
    private final List<MqttLink> links = new ArrayList<>();
    private Mosquitto broker;

    @AfterEach
    void stop() {
        links.forEach(MqttLink::close);
        if (broker != null) {
            broker.stop();
        }
    }

    private MqttLink link(int port, String clientId, String willTopic) {
        MqttSettings settings = new MqttSettings(Optional.of(URI.create("tcp://127.0.0.1:" + port)), "contract",
                clientId, "", Secret.of(""), Duration.ofSeconds(60), Duration.ZERO, List.of(), Optional.empty());
        MqttLink link = new PahoLink(settings, new PahoLink.Will(willTopic,
                "gone".getBytes(StandardCharsets.UTF_8)));
        links.add(link);
        return link;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theFirstConnectIsRetriedAndSubscriptionsComeBackAfterEveryReconnect() throws Exception {
        int port = PeerProcess.freePort();
        MqttLink agent = link(port, "agent-1", "contract/agent-1/status");
        List<String> heard = new CopyOnWriteArrayList<>();
        AtomicInteger connects = new AtomicInteger();
        agent.subscribe(List.of("contract/agent-1/cmd/#"), in -> heard.add(in.topic() + "=" + new String(in.payload(),
                StandardCharsets.UTF_8)));
        agent.onConnected(connects::incrementAndGet);
        agent.start(); // no broker yet
        assertThat(agent.connected()).isFalse();
        assertThat(agent.publish("contract/x", bytes("early"), false)).as("not taken while not connected").isFalse();

        broker = Mosquitto.start(dir.resolve("broker"), port);
        await().atMost(Duration.ofSeconds(30)).until(agent::connected);
        MqttLink operator = link(port, "operator", "contract/operator/status");
        operator.start();
        await().atMost(Duration.ofSeconds(10)).until(operator::connected);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            operator.publish("contract/agent-1/cmd/ping", bytes("1"), false);
            return heard.contains("contract/agent-1/cmd/ping=1");
        });

        broker.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> !agent.connected());
        broker = Mosquitto.start(dir.resolve("broker"), port);
        await().atMost(Duration.ofSeconds(60)).until(() -> agent.connected() && operator.connected());
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            operator.publish("contract/agent-1/cmd/ping", bytes("2"), false);
            return heard.contains("contract/agent-1/cmd/ping=2");
        });
        assertThat(connects.get()).as("onConnected after the first connect and the reconnect").isGreaterThanOrEqualTo(2);
    }

    @Test
    void repliesCarryTheCorrelationDataAndRetainedMessagesAreMarked() throws Exception {
        broker = Mosquitto.start(dir.resolve("broker"));
        MqttLink agent = link(broker.port(), "agent-2", "contract/agent-2/status");
        MqttLink operator = link(broker.port(), "operator-2", "contract/operator-2/status");
        List<MqttLink.Inbound> replies = new CopyOnWriteArrayList<>();
        operator.subscribe(List.of("ops/replies"), replies::add);
        agent.start();
        operator.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.connected() && operator.connected());

        assertThat(agent.publishAndWait("contract/agent-2/status", bytes("{\"online\":true}"), true,
                Duration.ofSeconds(10))).isTrue();
        assertThat(agent.replyWaiting("ops/replies", bytes("pong"), Optional.of(bytes("c-17")), Duration.ofSeconds(5)))
                .isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !replies.isEmpty());
        MqttLink.Inbound reply = replies.getFirst();
        assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("pong");
        assertThat(reply.correlationData()).hasValueSatisfying(c -> assertThat(c).isEqualTo(bytes("c-17")));
        assertThat(reply.retained()).isFalse();

        MqttLink late = link(broker.port(), "late", "contract/late/status");
        List<MqttLink.Inbound> statuses = new CopyOnWriteArrayList<>();
        late.subscribe(List.of("contract/+/status"), statuses::add);
        late.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !statuses.isEmpty());
        assertThat(statuses.getFirst().topic()).isEqualTo("contract/agent-2/status");
        assertThat(statuses.getFirst().retained()).as("sent on subscribing, kept by the broker").isTrue();
    }

    @Test
    void aCleanCloseSendsNoLastWill() throws Exception {
        broker = Mosquitto.start(dir.resolve("broker"));
        MqttLink watcher = link(broker.port(), "watcher", "contract/watcher/status");
        List<String> wills = new CopyOnWriteArrayList<>();
        watcher.subscribe(List.of("contract/agent-3/status"), in -> wills.add(new String(in.payload(),
                StandardCharsets.UTF_8)));
        watcher.start();
        MqttLink agent = link(broker.port(), "agent-3", "contract/agent-3/status");
        agent.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.connected() && watcher.connected());
        agent.close();
        assertThat(agent.connected()).isFalse();
        // a marker published after the close arrives after anything the close could have caused
        assertThat(watcher.publishAndWait("contract/agent-3/status", bytes("marker"), false, Duration.ofSeconds(10)))
                .isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> wills.contains("marker"));
        assertThat(wills).containsExactly("marker");
    }
}
