package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FEAT promises only what the account may use (rclone, offered MFMT, set each file's time and failed the file
 * on the refusal, uploading it three times), and EPSV ALL is honoured.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FeatPerAccountTest {
    @TempDir
    Path data;
    @TempDir
    Path work;
    private final RecordingSink sink = new RecordingSink();
    private IngestServer server;

    @BeforeEach
    void start() throws IOException {
        int passive = PeerProcess.freeRange(8);
        server = sink.start(data, new FtpSettings("127.0.0.1", 0, passive, passive + 7, "", 16, 64, 64,
                Duration.ofSeconds(30), false, true, List.of(), new FtpSettings.LoginLimits(100, Duration.ZERO,
                Duration.ofSeconds(1)), Optional.empty(), List.of(
                new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elrmw"),
                new FtpSettings.User("clock", Password.parse("clock-pw"), "clock", "elrmwT"))));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private static List<String> feat(RawClient client) throws IOException {
        client.out.write("FEAT\r\n".getBytes(StandardCharsets.US_ASCII));
        client.out.flush();
        return client.replyLines();
    }

    @Test
    void featListsWhatTheAccountMayUseAndBeforeLoginWhatEveryAccountMay() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            assertThat(feat(client)).as("before login: not every account may set times").doesNotContain(" MFMT")
                    .contains(" SIZE", " REST STREAM");
            client.login("cam", "cam-pw");
            assertThat(feat(client)).doesNotContain(" MFMT").contains(" SIZE");
        }
        try (RawClient client = new RawClient(server.port())) {
            client.login("clock", "clock-pw");
            assertThat(feat(client)).contains(" MFMT");
        }
    }

    @Test
    void rcloneUploadsEachFileOnceToAnAccountThatMayNotSetTimes() throws Exception {
        String rclone = Peers.require("rclone", "rclone").toString();
        Path source = Files.createDirectories(work.resolve("src"));
        for (int i = 0; i < 3; i++) {
            Files.write(source.resolve("f" + i + ".jpg"), new byte[] {(byte) i, 1, 2});
        }
        Process obscure = new ProcessBuilder(rclone, "obscure", "cam-pw").start();
        String pass = new String(obscure.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        ProcessBuilder copy = new ProcessBuilder(rclone, "copy", "--retries", "1", source.toString(), "dev:up")
                .redirectErrorStream(true);
        copy.environment().putAll(Map.of("RCLONE_CONFIG_DEV_TYPE", "ftp", "RCLONE_CONFIG_DEV_HOST", "127.0.0.1",
                "RCLONE_CONFIG_DEV_PORT", Integer.toString(server.port()), "RCLONE_CONFIG_DEV_USER", "cam",
                "RCLONE_CONFIG_DEV_PASS", pass));
        Process p = copy.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(sink.recorded).extracting(ReceivedFile::path)
                .containsExactlyInAnyOrder("cam/up/f0.jpg", "cam/up/f1.jpg", "cam/up/f2.jpg");
    }

    @Test
    void afterEpsvAllOnlyEpsvSetsUpADataConnection() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            client.login("cam", "cam-pw");
            assertThat(client.send("EPSV ALL")).startsWith("200");
            assertThat(client.send("PASV")).startsWith("503");
            assertThat(client.send("PORT 127,0,0,1,200,10")).startsWith("503");
            assertThat(client.send("EPRT |1|127.0.0.1|51210|")).startsWith("503");
            assertThat(client.send("EPSV")).startsWith("229");
        }
    }
}
