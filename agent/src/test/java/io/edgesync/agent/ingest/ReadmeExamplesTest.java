package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.testing.PeerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The device examples of the README (its "Devices" section), run as written: each line with bash, against a
 * server whose account {@code cam1} has exactly the letters the example's comment names. An example that stops
 * working, or a letter the README forgets, fails here.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadmeExamplesTest {
    private static final Path README = Path.of("../README.md");
    private static final Pattern LETTERS = Pattern.compile("\\(letters: ([a-zA-Z]+)");

    @TempDir
    Path data;
    @TempDir
    Path work;
    private IngestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** The examples: each command line with the letters its comment names. */
    private record Example(String letters, String command) {
    }

    private static List<Example> examples() throws IOException {
        String readme = Files.readString(README);
        int section = readme.indexOf("### Devices");
        int start = readme.indexOf("```sh\n", section) + 6;
        String block = readme.substring(start, readme.indexOf("```", start));
        List<Example> out = new ArrayList<>();
        String letters = null;
        boolean commentGoesOn = false; // a comment's second line names no letters of its own
        for (String line : block.lines().toList()) {
            Matcher m = LETTERS.matcher(line);
            if (line.startsWith("#")) {
                letters = m.find() ? m.group(1) : commentGoesOn ? letters : null;
                commentGoesOn = true;
            } else if (!line.isBlank()) {
                commentGoesOn = false;
                assertThat(letters).as("the comment above '" + line + "' names its letters").isNotNull();
                out.add(new Example(letters, line));
            }
        }
        return out;
    }

    @Test
    void everyDeviceExampleWorksAsWrittenWithTheLettersItNames() throws Exception {
        List<Example> examples = examples();
        assertThat(examples).hasSizeGreaterThanOrEqualTo(4);
        Files.write(work.resolve("photo.jpg"), new byte[] {1, 2, 3});
        Files.write(work.resolve("a.jpg"), new byte[] {4, 5, 6});
        Files.createDirectories(work.resolve("outbox/sub"));
        Files.write(work.resolve("outbox/x.csv"), new byte[] {7});
        Files.write(work.resolve("outbox/sub/y.csv"), new byte[] {8});
        for (Example example : examples) {
            int passive = PeerProcess.freeRange(8);
            server = new RecordingSink().start(data.resolve(example.letters()), new FtpSettings("127.0.0.1", 0, passive,
                    passive + 7, "", 16, 64, 64, Duration.ofSeconds(30), false, true, List.of("*.tmp"),
                    new FtpSettings.LoginLimits(100, Duration.ZERO, Duration.ofSeconds(1)), Optional.empty(),
                    List.of(new FtpSettings.User("cam1", Password.parse("cam1-pw"), "cam1", example.letters()))));
            String command = example.command().replace("BOARD", "127.0.0.1").replace("2121",
                    Integer.toString(server.port())).replace("PASSWORD", "cam1-pw").replace("python3 ",
                    "/usr/bin/python3 ");
            Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", command).directory(work.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(command).isTrue();
            assertThat(p.exitValue()).as(command + "\n" + out).isZero();
            Path home = data.resolve(example.letters()).resolve("spool/cam1");
            try (var files = Files.walk(home)) {
                assertThat(files.filter(Files::isRegularFile)).as("what '" + example.command() + "' stored")
                        .isNotEmpty();
            }
            assertThat(out).as(command).doesNotContain("550", "Permission denied");
            server.stop();
            server = null;
        }
        assertThat(data.resolve("mw/spool/cam1/2026/11/photo.jpg")).hasBinaryContent(new byte[] {1, 2, 3});
        assertThat(data.resolve("lmw/spool/cam1/sub/y.csv")).hasBinaryContent(new byte[] {8});
        assertThat(data.resolve("fw/spool/cam1/a.jpg")).hasBinaryContent(new byte[] {4, 5, 6});
        assertThat(data.resolve("w/spool/cam1/Tür 1.jpg")).hasBinaryContent(new byte[] {4, 5, 6});
    }
}
