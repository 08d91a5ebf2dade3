package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import io.edgesync.testing.Vsftpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where files go, on the packaged agent: an any-of delivery rule over a primary (pyftpdlib) with a path
 * template and a mode, and a backup (vsftpd, which sets a file's time only by its MDTM with a time). The primary
 * stops: after failover-after the files go to the backup; it returns: after failback-after they go to it again,
 * and what the backup took is not sent to it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RoutingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static void sameTime(Path upstream, Path spool) throws Exception {
        assertThat(Files.getLastModifiedTime(upstream).toInstant())
                .as("the upstream copy has the device's time (its upload's), not its delivery's")
                .isEqualTo(Files.getLastModifiedTime(spool).toInstant().truncatedTo(ChronoUnit.SECONDS));
    }

    @Test
    void anyOfFailsOverToTheBackupAndBackWithTemplatesModesAndTimes() throws Exception {
        int primaryPort = PeerProcess.freePort();
        Path primaryRoot = dir.resolve("primary");
        PyFtpd primary = PyFtpd.start(primaryRoot, primaryPort);
        try (Vsftpd backup = Vsftpd.start(dir.resolve("vsftpd"))) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String upstreams = AgentProcess.upstream("primary", primaryPort, PyFtpd.USER, PyFtpd.PASSWORD)
                    + "  path: \"{agent}/{user}/{received:yyyy}/{path}\"\n  chmod: \"0640\"\n"
                    + AgentProcess.upstream("backup", backup.port(), Vsftpd.USER, Vsftpd.PASSWORD)
                    + "  file-times: any\n";
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http, upstreams, "broker: \"\"",
                    "sync.delivery-rules:\nsync.  - {name: site, rule: any-of, upstreams: [primary, backup],"
                            + " failover-after: 2s, failback-after: 1s}");
            Path spool = dir.resolve("data/spool/cams/cam");
            String year = Integer.toString(ZonedDateTime.now(ZoneId.systemDefault()).getYear());
            Path onPrimary = primaryRoot.resolve("in/it-agent/cam/" + year + "/cams/cam");
            Path onBackup = backup.root().resolve("in/cams/cam");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                byte[] a = Devices.randomBytes(20_000, 1);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a.jpg", a)).isEqualTo(226);
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(onPrimary.resolve("a.jpg")));
                assertThat(onPrimary.resolve("a.jpg")).hasBinaryContent(a);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(onPrimary.resolve("a.jpg"))))
                        .isEqualTo("rw-r-----");
                sameTime(onPrimary.resolve("a.jpg"), spool.resolve("a.jpg"));
                JsonNode status = JSON.readTree(agent.get("/api/v1/status").body());
                assertThat(status.path("rules").get(0).path("serving").toString()).isEqualTo("[\"primary\"]");
                assertThat(status.path("upstreams").get(0).path("files").path("chmod").asText()).isEqualTo("640");
                assertThat(status.path("upstreams").get(0).path("files").path("fileTimes").asText()).isEqualTo("MFMT");

                primary.close();
                Thread.sleep(1_100); // the backup's copies are made after failover-after: their time is not now
                for (String name : new String[] {"b.jpg", "c.jpg"}) {
                    assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", name, Devices.randomBytes(5_000, 2)))
                            .isEqualTo(226);
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(onBackup.resolve("b.jpg"))
                        && Files.exists(onBackup.resolve("c.jpg")));
                sameTime(onBackup.resolve("b.jpg"), spool.resolve("b.jpg"));
                status = JSON.readTree(agent.get("/api/v1/status").body());
                assertThat(status.path("rules").get(0).path("failedOver").toString()).isEqualTo("[\"primary\"]");
                assertThat(status.path("upstreams").get(1).path("files").path("fileTimes").asText()).isEqualTo("MDTM");
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    JsonNode queue = JSON.readTree(agent.post("/api/v1/commands/queue", "{}").body()).path("result");
                    assertThat(queue.path("total").isNumber()).as(queue.toString()).isTrue();
                    assertThat(queue.path("total").asLong()).as("nothing owed: " + queue).isZero();
                });
                JsonNode done = JSON.readTree(agent.post("/api/v1/commands/transfers", "{}").body());
                JsonNode b = null;
                for (JsonNode item : done.path("result").path("items")) {
                    if (item.path("path").asText().endsWith("b.jpg")) {
                        b = item;
                    }
                }
                assertThat(b).as("transfers: " + done).isNotNull();
                assertThat(b.path("upstream").asText()).isEqualTo("backup");
                assertThat(b.path("rule").path("met").asBoolean()).isTrue();
                assertThat(b.path("rule").path("deliveredTo").toString()).isEqualTo("[\"backup\"]");
                assertThat(b.path("rule").path("states").path("primary").asText()).isEqualTo("withdrawn");

                primary = PyFtpd.start(primaryRoot, primaryPort);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(JSON.readTree(
                        agent.get("/api/v1/status").body()).path("rules").get(0).path("failedOver").size()).isZero());
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "d.jpg", new byte[100])).isEqualTo(226);
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(onPrimary.resolve("d.jpg")));
                assertThat(onBackup.resolve("d.jpg")).doesNotExist();
                assertThat(onPrimary.resolve("b.jpg")).as("what the backup took is not sent again").doesNotExist();
                assertThat(onBackup.resolve("a.jpg")).doesNotExist();
                assertThat(agent.log()).contains("rule site: primary fails over").contains("rule site: primary is back");
                assertThat(agent.get("/api/v1/status").body()).doesNotContain(PyFtpd.PASSWORD).doesNotContain(Vsftpd.PASSWORD);
            }
        } finally {
            primary.close();
        }
    }

    /**
     * {@code agent.spool-dir} on a disk whose mount is missing at the next start (its empty mount folder is
     * there): the agent refuses to start, rather than park every delivery and take uploads onto the root disk.
     */
    @Test
    void aSpoolDiskThatIsNotMountedAtStartIsRefused() throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        Path usb = Files.createDirectories(dir.resolve("usb"));
        String upstreams = AgentProcess.upstream("hq", PeerProcess.freePort(), "u", "p"); // nothing listens there
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http, upstreams, "broker: \"\"")
                .replace("  data-dir: ", "  spool-dir: " + usb + "\n  data-dir: ");
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
            assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "owed.jpg", new byte[1_000])).isEqualTo(226);
            assertThat(usb.resolve("spool/cams/cam/owed.jpg")).as("the file on the spool's own disk").exists();
            assertThat(dir.resolve("data/spool")).doesNotExist();
            agent.stop();
        }
        // the disk is gone: its mount folder is empty
        Files.move(usb, dir.resolve("usb-unmounted"));
        Files.createDirectories(usb);
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent2"), yaml, ftp, http, Map.of()).start(false)) {
            assertThat(agent.waitForExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(agent.log()).contains("agent.spool-dir: the ledger holds 1 file(s) in the spool")
                    .contains("mounted?");
            try (var left = Files.list(usb)) {
                assertThat(left).as("nothing made on the root disk").isEmpty();
            }
        }
    }
}
