package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code edgesync-agent hash-password} makes a hash the agent accepts; plain text still works, with a warning. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HashPasswordIT {
    @TempDir
    Path dir;

    @Test
    void aHashFromTheCommandLogsTheDeviceIn() throws Exception {
        Process hasher = new ProcessBuilder(AgentProcess.JAVA, "-jar", AgentProcess.JAR.toAbsolutePath().toString(),
                "hash-password").start();
        hasher.getOutputStream().write("camera-secret\n".getBytes(StandardCharsets.UTF_8));
        hasher.getOutputStream().close();
        assertThat(hasher.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String hash = new String(hasher.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(hasher.exitValue()).isZero();
        assertThat(hash).startsWith("pbkdf2-sha256$100000$").doesNotContain("camera-secret");

        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http, AgentProcess.upstream("hq", 21, "u", "p"),
                "broker: \"\"").replace("password: cam-pw-secret", "password: '" + hash + "'");
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
            assertThat(Devices.upload(ftp, "cam", "camera-secret", "", "a.bin", new byte[10])).isEqualTo(226);
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "b.bin", new byte[10])).isEqualTo(530);
            assertThat(agent.log()).doesNotContain("is plain text");
        }
        String plain = AgentProcess.yaml(dir.resolve("data2"), ftp, http, AgentProcess.upstream("hq", 21, "u", "p"),
                "broker: \"\"");
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent2"), plain, ftp, http, Map.of()).start(true)) {
            assertThat(agent.log()).contains("ftp.users.0.password (cam) is plain text")
                    .doesNotContain("cam-pw-secret");
        }
    }
}
