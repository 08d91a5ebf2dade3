package io.edgesync.agent.sync.ftp;

import io.edgesync.agent.config.BandwidthSchedule;
import io.edgesync.agent.config.BudgetSettings;
import io.edgesync.agent.config.PathTemplate;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.config.UpstreamSettings;
import io.edgesync.testing.ApacheFtpUpstream;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.ProFtpd;
import io.edgesync.testing.PyFtpd;
import io.edgesync.testing.Vsftpd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The device's file time and a mode set upstream with each file ({@code upstreams[].file-times},
 * {@code upstreams[].chmod}), against real servers: pyftpdlib and ProFTPD offer MFMT, vsftpd only its MDTM with a
 * time; Apache FtpServer refuses SITE CHMOD, which is reported and does not stop the delivery.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileAttributesTest {
    private static final Instant DEVICE_TIME = Instant.parse("2021-02-03T04:05:06Z");

    @TempDir
    Path dir;
    private final List<FileChannel> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (FileChannel f : open) {
            f.close();
        }
    }

    private static UpstreamSettings upstream(int port, String user, String password, Optional<String> chmod) {
        return upstream(port, user, password, chmod, UpstreamSettings.FileTimes.MFMT);
    }

    private static UpstreamSettings upstream(int port, String user, String password, Optional<String> chmod,
                                             UpstreamSettings.FileTimes times) {
        Duration t = Duration.ofSeconds(10);
        return new UpstreamSettings("up", URI.create("ftp://127.0.0.1:" + port + "/in"), user, Secret.of(password), 1,
                t, t, t, List.of("**"), Optional.empty(), false, BandwidthSchedule.OFF, BudgetSettings.NONE, List.of(),
                List.of(), PathTemplate.SPOOL_PATH, chmod, times);
    }

    private List<Uploader.Published> send(UpstreamSettings settings, String... names) throws Exception {
        Path local = dir.resolve("local.bin");
        Files.write(local, new byte[70_000]); // larger than the pipelined small-file path, and one below
        Path small = dir.resolve("small.bin");
        Files.write(small, new byte[500]);
        List<Uploader.Published> out = new ArrayList<>();
        try (Uploader.Session session = new FtpUploader(settings).open()) {
            for (int i = 0; i < names.length; i++) {
                Path file = i % 2 == 0 ? local : small;
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                open.add(channel);
                out.add(session.upload(new Uploader.Upload(channel, file, names[i], Files.size(file), java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(Files.readAllBytes(file))),
                        Integer.toString(i), false, b -> { }, () -> { }, Pace.NONE, Optional.of(DEVICE_TIME))));
            }
        }
        return out;
    }

    private static void assertTimeAndMode(Path file, String mode) throws Exception {
        assertThat(Files.getLastModifiedTime(file).toInstant()).as(file.toString()).isEqualTo(DEVICE_TIME);
        if (mode != null) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo(mode);
        }
    }

    @Test
    void pyftpdlibTakesMfmtAndSiteChmod() throws Exception {
        try (PyFtpd server = PyFtpd.start(dir.resolve("py"))) {
            List<Uploader.Published> done = send(upstream(server.port(), PyFtpd.USER, PyFtpd.PASSWORD,
                    Optional.of("0640")), "cams/a.jpg", "cams/b.jpg");
            assertThat(done).extracting(Uploader.Published::fileTime).containsOnly("MFMT");
            assertThat(done).extracting(Uploader.Published::mode).containsOnly("640");
            assertTimeAndMode(server.root().resolve("in/cams/a.jpg"), "rw-r-----");
            assertTimeAndMode(server.root().resolve("in/cams/b.jpg"), "rw-r-----");
        }
    }

    @Test
    void proftpdTakesMfmtAndSiteChmod() throws Exception {
        try (ProFtpd server = ProFtpd.start(dir.resolve("pro"))) {
            List<Uploader.Published> done = send(upstream(server.port(), ProFtpd.USER, ProFtpd.PASSWORD,
                    Optional.of("0600")), "x/a.csv", "x/b.csv");
            assertThat(done).extracting(Uploader.Published::fileTime).containsOnly("MFMT");
            assertThat(done).extracting(Uploader.Published::mode).containsOnly("600");
            assertTimeAndMode(server.root().resolve("in/x/a.csv"), "rw-------");
            assertTimeAndMode(server.root().resolve("in/x/b.csv"), "rw-------");
        }
    }

    @Test
    void vsftpdWithoutMfmtGetsTheTimeByMdtmLearnedOnceWithFileTimesAny() throws Exception {
        try (Vsftpd server = Vsftpd.start(dir.resolve("vs"))) {
            assertThat(send(upstream(server.port(), Vsftpd.USER, Vsftpd.PASSWORD, Optional.empty()), "default.txt"))
                    .extracting(Uploader.Published::fileTime).as("by default, MFMT only").containsExactly("not offered");
            List<Uploader.Published> done = send(upstream(server.port(), Vsftpd.USER, Vsftpd.PASSWORD,
                    Optional.of("0640"), UpstreamSettings.FileTimes.ANY), "a.txt", "b.txt", "c.txt");
            assertThat(done).extracting(Uploader.Published::fileTime).containsOnly("MDTM");
            assertThat(done).extracting(Uploader.Published::mode).containsOnly("640");
            for (String name : List.of("a.txt", "b.txt", "c.txt")) {
                assertTimeAndMode(server.root().resolve("in/" + name), "rw-r-----");
            }
        }
    }

    @Test
    void aRefusedChmodIsReportedAndTheFileDeliveredAnyway() throws Exception {
        Path root = dir.resolve("apache");
        Files.createDirectories(root);
        int port = PeerProcess.freePort();
        try (ApacheFtpUpstream server = ApacheFtpUpstream.start(root, port)) {
            List<Uploader.Published> done = send(upstream(port, "u", "p", Optional.of("0640")), "a.bin", "b.bin");
            assertThat(done).extracting(Uploader.Published::mode).allMatch(m -> m.startsWith("refused: 5"));
            assertThat(root.resolve("in/a.bin")).hasSize(70_000);
            assertThat(root.resolve("in/b.bin")).hasSize(500);
            // Apache FtpServer offers MFMT: the time is set though the mode is not
            assertThat(done).extracting(Uploader.Published::fileTime).containsOnly("MFMT");
            assertThat(Files.getLastModifiedTime(root.resolve("in/a.bin")).toInstant()).isEqualTo(DEVICE_TIME);
        }
    }
}
