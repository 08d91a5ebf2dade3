package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Tmpfs;
import io.edgesync.testing.Vsftpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * G7 on a real small file system (a 48 MiB tmpfs the test mounts; needs root): a file larger than the
 * free space fails cleanly, uploads are refused with 452 below the floor, nothing corrupts, and once the
 * upstream is back, retention (until-floor) frees room and uploads are accepted again by themselves.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DiskFullIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void belowTheFloorUploadsAre452AndResumeByThemselvesWhenSpaceReturns() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        int upstreamPort = PeerProcess.freePort();
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(data, ftp, http,
                AgentProcess.upstream("hq", upstreamPort, Vsftpd.USER, Vsftpd.PASSWORD), "broker: \"\"",
                "disk:\n  floor-bytes: 16MiB\n  floor-percent: 0\nretention:\n  policy: until-floor");
        try (Tmpfs small = Tmpfs.mount(data, "48m");
             AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "huge.bin", Devices.randomBytes(60 * MIB, 1)))
                    .as("the disk fills mid-transfer").isEqualTo(452);
            try (var left = Files.walk(data.resolve("incoming"))) {
                assertThat(left.filter(Files::isRegularFile)).as("temporaries left in incoming/").isEmpty();
            }
            assertThat(data.resolve("spool/cams/cam/huge.bin")).doesNotExist();

            Map<String, byte[]> accepted = new LinkedHashMap<>();
            int refusedAt = -1;
            for (int i = 0; i < 20 && refusedAt < 0; i++) {
                byte[] body = Devices.randomBytes(4 * MIB, 10 + i);
                int code = Devices.upload(ftp, "cam", "cam-pw-secret", "", "f" + i + ".bin", body);
                if (code == 226) {
                    accepted.put("cams/cam/f" + i + ".bin", body);
                } else {
                    assertThat(code).isEqualTo(452);
                    refusedAt = i;
                }
            }
            System.out.printf("disk floor: %d x 4 MiB accepted, refused at upload %d%n", accepted.size(), refusedAt);
            assertThat(refusedAt).as("the floor was reached").isPositive();
            assertThat(agent.get("/health").statusCode()).isEqualTo(503);
            JsonNode disk = JSON.readTree(agent.get("/api/v1/status").body()).path("disk");
            assertThat(disk.path("belowFloor").asBoolean()).isTrue();
            assertThat(agent.get("/metrics").body()).containsPattern("edgesync_uploads_refused_total\\{reason=\"disk-floor\"} [1-9]");
            assertThat(LedgerFile.integrityCheck(data.resolve("ledger.db"))).isEqualTo("ok");

            try (Vsftpd upstream = Vsftpd.start(dir.resolve("vsftpd"), upstreamPort)) {
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        Devices.upload(ftp, "cam", "cam-pw-secret", "", "after.bin", Devices.randomBytes(MIB, 5)) == 226);
                accepted.put("cams/cam/after.bin", Devices.randomBytes(MIB, 5));
                await().atMost(Duration.ofSeconds(60)).until(() -> accepted.keySet().stream()
                        .allMatch(p -> Files.exists(upstream.root().resolve("in").resolve(p))));
                for (var e : accepted.entrySet()) {
                    assertThat(upstream.root().resolve("in").resolve(e.getKey())).hasBinaryContent(e.getValue());
                }
                assertThat(agent.get("/metrics").body()).containsPattern("edgesync_spool_deleted_files_total\\{policy=\"until-floor\"} [1-9]");
            }
            assertThat(LedgerFile.integrityCheck(data.resolve("ledger.db"))).isEqualTo("ok");
        }
    }
}
