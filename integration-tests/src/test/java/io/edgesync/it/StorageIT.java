package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The data folder's disk fails under a running agent, as a dying SD card does: a loop-mounted ext4 that the
 * kernel turns read-only after an error ({@code errors=remount-ro}, triggered through ext4's own
 * {@code trigger_fs_error}, open files and all). The agent says so at once on every channel and refuses
 * uploads with the reason; once a repaired disk is mounted in its place it takes writes again by itself.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StorageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            sh("umount", "-l", m.toString());
        }
    }

    private static String sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0 && !command[0].equals("umount")) {
            Peers.missingSetup(String.join(" ", command) + " failed (needs root and loop devices): " + out.trim());
        }
        return out;
    }

    private void mount(Path image, Path at) throws Exception {
        sh("mount", "-o", "loop,errors=remount-ro", image.toString(), at.toString());
        mounts.add(at);
    }

    @Test
    void aDiskThatTurnsReadOnlyIsReportedAtOnceAndTheAgentRecoversWhenItIsWritableAgain() throws Exception {
        Path image = dir.resolve("sd.img");
        Path data = Files.createDirectories(dir.resolve("data"));
        sh("truncate", "-s", "96M", image.toString());
        sh(Peers.require("mkfs.ext4", "e2fsprogs").toString(), "-q", "-F", image.toString());
        mount(image, data);
        try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
            Path mqttLog = dir.resolve("mqtt.log");
            Process sub = new ProcessBuilder(Peers.require("mosquitto_sub", "mosquitto-clients").toString(), "-h",
                    "127.0.0.1", "-p", Integer.toString(broker.port()), "-t", "edgesync/it-agent/events", "-v")
                    .redirectErrorStream(true).redirectOutput(mqttLog.toFile()).start();
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(data.resolve("agent"), ftp, http,
                    AgentProcess.upstream("hq", PeerProcess.freePort(), "u", "p"), "broker: " + broker.url(),
                    "disk: {floor-bytes: 1MiB, floor-percent: 0}"); // a small card: the floor is not under test
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "before.jpg", Devices.randomBytes(5000, 1)))
                        .isEqualTo(226);
                String device = Path.of(sh("findmnt", "-n", "-o", "SOURCE", data.toString()).trim()).getFileName().toString();
                Files.writeString(Path.of("/sys/fs/ext4", device, "trigger_fs_error"), "edgesync StorageIT");

                // an upload finds it (or the probe does first); either way the device is told why
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    int code = Devices.upload(ftp, "cam", "cam-pw-secret", "", "during.jpg", Devices.randomBytes(5000, 2));
                    assertThat(code).isEqualTo(451);
                    JsonNode ready = JSON.readTree(agent.get("/health/ready").body());
                    assertThat(agent.get("/health/ready").statusCode()).isEqualTo(503);
                    assertThat(ready.toString()).contains("storage").contains("Read-only file system");
                });
                assertThat(agent.get("/metrics").body()).contains("edgesync_storage_failed 1.0");
                assertThat(agent.log()).contains("storage failed").contains("Read-only file system");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(JsonFacts.hasEvent(JsonFacts.events(mqttLog), "storage-failed")).isTrue());

                // the technician repairs the card (here: a checked copy of it) and mounts it in the same place
                Path repaired = dir.resolve("sd-repaired.img");
                sh("cp", "--sparse=always", image.toString(), repaired.toString());
                sh("umount", "-l", data.toString());
                Process fsck = new ProcessBuilder("e2fsck", "-fy", repaired.toString()).redirectErrorStream(true).start();
                fsck.getInputStream().readAllBytes();
                assertThat(fsck.waitFor(60, TimeUnit.SECONDS)).isTrue();
                mount(repaired, data);

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "after.jpg",
                            Devices.randomBytes(5000, 3))).isEqualTo(226);
                    assertThat(JSON.readTree(agent.get("/health/ready").body()).toString()).doesNotContain("Read-only");
                });
                assertThat(agent.get("/metrics").body()).contains("edgesync_storage_failed 0.0");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(JsonFacts.hasEvent(JsonFacts.events(mqttLog), "storage-recovered")).isTrue());
                assertThat(data.resolve("agent/spool/cams/cam/after.jpg")).exists();
            } finally {
                sub.destroy();
            }
        }
    }
}
