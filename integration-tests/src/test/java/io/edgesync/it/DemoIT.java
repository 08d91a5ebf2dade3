package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The README's first command: {@code java -jar edgesync-agent.jar --demo}, on free ports. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DemoIT {
    @TempDir
    Path dir;

    @Test
    void theDemoDeliversItsSampleUploadToTheLocalUpstream() throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        int upstream = PeerProcess.freePort();
        int passive = PeerProcess.freeRange(8);
        Path log = dir.resolve("demo.log");
        ProcessBuilder builder = new ProcessBuilder(AgentProcess.JAVA, "-jar", AgentProcess.JAR.toAbsolutePath().toString(),
                "--demo").directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(java.util.Map.of("FTP_PORT", Integer.toString(ftp), "HTTP_PORT",
                Integer.toString(http), "UPSTREAMS_0_URL", "ftp://127.0.0.1:" + upstream + "/inbox",
                "FTP_PASSIVE_dash_PORTS", passive + "-" + (passive + 7)));
        Process demo = builder.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("arrived upstream"));
            try (Stream<Path> files = Files.walk(dir.resolve("edgesync-demo/upstream/inbox/demo"))) {
                List<Path> arrived = files.filter(Files::isRegularFile).toList();
                assertThat(arrived).singleElement().satisfies(p -> assertThat(Files.readString(p)).startsWith("hello"));
            }
            assertThat(PeerProcess.accepts(http)).isTrue();
            assertThat(Files.readString(log)).doesNotContain("SEVERE").doesNotContain("demo:demo");
        } finally {
            demo.destroy();
            if (!demo.waitFor(20, TimeUnit.SECONDS)) {
                demo.destroyForcibly();
            }
        }
    }

}
