package io.edgesync.agent;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.ConfigLoader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Builds configurations the way the agent does: YAML through {@link ConfigLoader}. */
public final class TestConfigs {
    private TestConfigs() {
    }

    public static AgentConfig load(Path dir, String yaml) {
        try {
            Files.createDirectories(dir);
            Path file = Files.writeString(dir.resolve("edgesync-test.yaml"), yaml);
            return ConfigLoader.load(Optional.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
