package io.edgesync.agent.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole validated configuration, read once at start and passed to each part through its
 * constructor. Immutable; {@link ConfigLoader} builds it.
 */
public record AgentConfig(
        Agent agent, FtpSettings ftp, List<UpstreamSettings> upstreams, Sync sync, Http http, MqttSettings mqtt) {

    public AgentConfig {
        upstreams = List.copyOf(upstreams);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < upstreams.size(); i++) {
            if (!names.add(upstreams.get(i).name())) {
                throw ConfigException.of("upstreams." + i + ".name", upstreams.get(i).name(),
                        "each upstream needs a name of its own");
            }
        }
    }

    /** {@code agent.*}: who this board is and where it keeps its state. */
    public record Agent(String id, Path dataDir) {
        public Agent {
            if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                throw ConfigException.of("agent.id", id,
                        "allowed: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
                                + " (it is part of MQTT topics)");
            }
        }

        public Path spoolDir() {
            return dataDir.resolve("spool");
        }

        public Path incomingDir() {
            return dataDir.resolve("incoming");
        }

        public Path ledgerFile() {
            return dataDir.resolve("ledger.db");
        }
    }

    /** {@code sync.*}: retry schedule shared by all upstreams. */
    public record Sync(Duration retryInitial, Duration retryMax) {
        public Sync {
            if (retryInitial.isNegative() || retryInitial.isZero()) {
                throw ConfigException.of("sync.retry-initial", retryInitial, "allowed: a positive duration");
            }
            if (retryMax.compareTo(retryInitial) < 0) {
                throw ConfigException.of("sync.retry-max", retryMax,
                        "allowed: a duration at least sync.retry-initial (" + retryInitial + ")");
            }
        }
    }

    /** {@code http.*}: where health, metrics and the status API listen. */
    public record Http(String bind, int port) {
        public Http {
            checkPort("http.port", port);
        }
    }

    static void checkPort(String key, int port) {
        if (port < 0 || port > 65535) {
            throw ConfigException.of(key, port, "allowed: 0-65535 (0 = any free port)");
        }
    }
}
