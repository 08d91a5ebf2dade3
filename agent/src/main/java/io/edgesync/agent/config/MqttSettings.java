package io.edgesync.agent.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code mqtt.*}: telemetry to a broker. {@code broker} empty turns MQTT off.
 *
 * @param statusInterval how often the retained status is published even when nothing changed
 */
public record MqttSettings(Optional<URI> broker, String topicPrefix, String clientId, String username,
                           Secret password, Duration statusInterval) {

    public MqttSettings {
        broker.ifPresent(uri -> {
            String scheme = uri.getScheme();
            if (!("tcp".equals(scheme) || "ssl".equals(scheme)) || uri.getHost() == null || uri.getPort() < 1) {
                throw ConfigException.of("mqtt.broker", uri,
                        "allowed: tcp://host:port or ssl://host:port, or empty to turn MQTT off");
            }
        });
        if (topicPrefix == null || !topicPrefix.matches("[^#+\\s/][^#+\\s]{0,99}") || topicPrefix.endsWith("/")) {
            throw ConfigException.of("mqtt.topic-prefix", topicPrefix,
                    "allowed: a topic level without '#', '+', spaces or a leading/trailing '/'");
        }
        if (statusInterval.toSeconds() < 1) {
            throw ConfigException.of("mqtt.status-interval", statusInterval, "allowed: at least 1s");
        }
    }

    public boolean enabled() {
        return broker.isPresent();
    }
}
