package io.edgesync.agent.telemetry;

import io.edgesync.agent.config.MqttSettings;
import io.edgesync.agent.config.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events the MQTT client refuses while connected (its in-flight window is full) wait and go out first, in
 * order, with the next event: before, everything after one refusal waited for the next reconnect. The link
 * is a stand-in for our own interface, so that a refusal can be made to happen on cue.
 */
class MqttTelemetryTest {
    /** Connected; refuses the publishes it is told to. */
    private static final class RefusingLink implements MqttLink {
        final List<String> sent = new ArrayList<>();
        int refuse;

        @Override
        public boolean publish(String topic, byte[] payload, boolean retained) {
            if (refuse > 0) {
                refuse--;
                return false;
            }
            sent.add(new String(payload, StandardCharsets.UTF_8).replaceAll(".*\"path\":\"([^\"]+)\".*", "$1"));
            return true;
        }

        @Override
        public void start() {
        }

        @Override
        public boolean connected() {
            return true;
        }

        @Override
        public void onConnected(Runnable action) {
        }

        @Override
        public void subscribe(List<String> filters, Consumer<Inbound> handler) {
        }

        @Override
        public boolean reply(String topic, byte[] payload, Optional<byte[]> correlationData) {
            return true;
        }

        @Override
        public boolean replyWaiting(String topic, byte[] payload, Optional<byte[]> correlationData, Duration timeout) {
            return true;
        }

        @Override
        public boolean publishAndWait(String topic, byte[] payload, boolean retained, Duration timeout) {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static AgentEvent received(String path) {
        return new AgentEvent.FileReceived(path, 1, "00", "cam", "127.0.0.1", Instant.EPOCH);
    }

    @Test
    void eventsRefusedWhileConnectedGoOutInOrderWithTheNextOne() {
        RefusingLink link = new RefusingLink();
        MqttSettings settings = new MqttSettings(Optional.of(URI.create("tcp://127.0.0.1:1")), "edgesync", "t", "",
                Secret.of(""), Duration.ofMinutes(1), Duration.ZERO, List.of(), Optional.empty());
        MqttTelemetry telemetry = new MqttTelemetry(settings, new Topics("edgesync", "a"), link, Map::of,
                new SimpleMeterRegistry());
        telemetry.publish(received("one"));
        link.refuse = 2;
        telemetry.publish(received("two"));
        telemetry.publish(received("three"));
        assertThat(link.sent).containsExactly("one");
        telemetry.publish(received("four"));
        assertThat(link.sent).containsExactly("one", "two", "three", "four");
        telemetry.close();
    }
}
