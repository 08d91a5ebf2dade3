package io.edgesync.agent.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code mqtt.*}: telemetry to a broker and fleet commands from it. {@code broker} empty turns MQTT off.
 *
 * @param statusInterval  how often the retained status is published even when nothing changed
 * @param metricsInterval how often a JSON snapshot of the key meters goes to {@code <prefix>/<agent>/metrics}
 *                        (zero = never)
 * @param groups          fleet groups this agent answers commands for, on {@code <prefix>/group/<g>/cmd/<name>}
 * @param tls             CA and client certificate for {@code ssl://} brokers (absent: the JVM's trust store)
 */
public record MqttSettings(Optional<URI> broker, String topicPrefix, String clientId, String username,
                           Secret password, Duration statusInterval, Duration metricsInterval, List<String> groups,
                           Optional<Tls> tls) {

    private static final String TOPIC_LEVEL = "[^#+\\s/]{1,100}";

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
        if (!metricsInterval.isZero() && metricsInterval.toSeconds() < 1) {
            throw ConfigException.of("mqtt.metrics-interval", metricsInterval, "allowed: 0 (off) or at least 1s");
        }
        groups = List.copyOf(groups);
        for (int i = 0; i < groups.size(); i++) {
            if (!groups.get(i).matches(TOPIC_LEVEL)) {
                throw ConfigException.of("mqtt.groups." + i, groups.get(i),
                        "allowed: one topic level without '/', '#', '+' or spaces, e.g. site-berlin");
            }
        }
        if (tls.isPresent() && broker.isPresent() && !"ssl".equals(broker.get().getScheme())) {
            throw ConfigException.of("mqtt.broker", broker.get(), "mqtt.tls is set: use ssl://host:port");
        }
    }

    public boolean enabled() {
        return broker.isPresent();
    }

    /**
     * {@code mqtt.tls.*}: PEM files. The broker's certificate is checked against {@code ca-file} and its
     * host name against the broker URL ({@code verify-hostname}, on by default).
     *
     * @param certFile client certificate (PEM), with {@code key-file}, for brokers that require one
     * @param keyFile  the client's private key, PKCS#8 PEM ({@code openssl pkcs8 -topk8 -nocrypt} converts others)
     */
    public record Tls(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile, boolean verifyHostname) {
        public Tls {
            if (certFile.isPresent() != keyFile.isPresent()) {
                throw ConfigException.of(certFile.isPresent() ? "mqtt.tls.key-file" : "mqtt.tls.cert-file", "",
                        "a client certificate needs both mqtt.tls.cert-file and mqtt.tls.key-file");
            }
        }
    }
}
