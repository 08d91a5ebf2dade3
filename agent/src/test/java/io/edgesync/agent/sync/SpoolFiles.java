package io.edgesync.agent.sync;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.ledger.SpoolStamp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Random;

/** Files put into the spool as ingest leaves them, with the record ingest would make of each. */
final class SpoolFiles {
    private SpoolFiles() {
    }

    /** {@code size} random bytes (from {@code seed}) at spool path {@code path}, received now from user cam. */
    static ReceivedFile write(AgentConfig config, String path, int size, long seed) throws Exception {
        Path file = config.agent().spoolDir().resolve(path);
        Files.createDirectories(file.getParent());
        byte[] body = new byte[size];
        new Random(seed).nextBytes(body);
        Files.write(file, body);
        return new ReceivedFile(path, size, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)),
                Clock.systemUTC().instant(), "cam", "127.0.0.1").withStamp(SpoolStamp.read(file));
    }
}
