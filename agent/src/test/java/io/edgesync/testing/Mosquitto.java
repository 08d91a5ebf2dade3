package io.edgesync.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A real MQTT broker: Debian's mosquitto on a free loopback port, anonymous, no persistence. */
public final class Mosquitto extends PeerProcess {
    private Mosquitto(Path binary, Path config, int port) {
        super("mosquitto", List.of(binary.toString(), "-c", config.toString()),
                config.resolveSibling("mosquitto.log"), port);
    }

    public static Mosquitto start(Path dir) throws IOException {
        return start(dir, freePort());
    }

    /** Starts on a given port (to restart a broker where clients expect it). */
    public static Mosquitto start(Path dir, int port) throws IOException {
        return start(dir, port, "allow_anonymous true\n");
    }

    /**
     * Starts with more listener settings (TLS files, a password file, ...), given as mosquitto.conf lines.
     */
    public static Mosquitto start(Path dir, int port, String listenerSettings) throws IOException {
        Path binary = Peers.require("mosquitto", "mosquitto");
        Files.createDirectories(dir);
        Path config = dir.resolve("mosquitto.conf");
        Files.writeString(config, "per_listener_settings true\nlistener " + port + " 127.0.0.1\n" + listenerSettings
                + "\npersistence false\n");
        Mosquitto broker = new Mosquitto(binary, config, port);
        broker.start();
        return broker;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port();
    }
}
