package io.edgesync.agent.sync.ftp;

import io.edgesync.agent.config.Secret;
import io.edgesync.agent.config.UpstreamSettings;
import io.edgesync.testing.ApacheFtpUpstream;
import io.edgesync.testing.FtpFaultProxy;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.ProFtpd;
import io.edgesync.testing.PyFtpd;
import io.edgesync.testing.SelfSigned;
import io.edgesync.testing.Vsftpd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Uploads to real upstream servers: pyftpdlib (replaces on rename) and Apache FtpServer (refuses to). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FtpUploaderTest {
    @TempDir
    Path dir;

    static UpstreamSettings upstream(int port, String base, String user, String password, Duration timeout) {
        return new UpstreamSettings("up", URI.create("ftp://127.0.0.1:" + port + "/" + base), user,
                Secret.of(password), 1, timeout, timeout, timeout, List.of("**"), Optional.empty(), false);
    }

    /** An uploader to vsftpd's {@code in/} (or a proxy in front of it) as the test vsftpd's user. */
    private static FtpUploader toVsftpd(int port) {
        return new FtpUploader(upstream(port, "in", Vsftpd.USER, Vsftpd.PASSWORD, Duration.ofSeconds(10)));
    }

    /** A whole, non-resumable upload of {@code file} under {@code relative}; its progress is not watched. */
    private Uploader.Upload upload(Path file, String relative, String tag) throws Exception {
        return opened(file, relative, Files.size(file), sha256(file), tag, false, done -> { });
    }

    private final List<FileChannel> openFiles = new java.util.ArrayList<>();

    @AfterEach
    void closeFiles() throws IOException {
        for (FileChannel file : openFiles) {
            file.close();
        }
    }

    /** An upload of {@code local}, opened here as the sync loop opens the spool file, with nothing checked before its rename. */
    private Uploader.Upload opened(Path local, String relative, long size, String sha256, String tag, boolean resume,
                                   java.util.function.LongConsumer progress) throws IOException {
        FileChannel file = FileChannel.open(local, StandardOpenOption.READ);
        openFiles.add(file);
        return new Uploader.Upload(file, local, relative, size, sha256, tag, resume, progress, () -> { });
    }

    /** vsftpd behind the fault proxy, and an uploader that reaches it through the proxy. */
    private record Proxied(Vsftpd server, FtpFaultProxy proxy, FtpUploader uploader) implements AutoCloseable {
        static Proxied start(Path dir) throws Exception {
            Vsftpd server = Vsftpd.start(dir);
            try {
                FtpFaultProxy proxy = new FtpFaultProxy(server.port());
                return new Proxied(server, proxy, toVsftpd(proxy.port()));
            } catch (Exception e) {
                server.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try (server) {
                proxy.close();
            }
        }
    }

    private static UpstreamSettings ftps(int port, Optional<Path> caFile, boolean implicit) {
        Duration timeout = Duration.ofSeconds(10);
        return new UpstreamSettings("up", URI.create("ftps://127.0.0.1:" + port + "/in"), Vsftpd.USER,
                Secret.of(Vsftpd.PASSWORD), 1, timeout, timeout, timeout, List.of("**"), caFile, implicit);
    }

    private Path localFile(String name, int size) throws Exception {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        Path p = dir.resolve("local").resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, b);
        return p;
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static List<String> filesUnder(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void publishesUnderTheFinalNameInNewFoldersAndLeavesNoTemporary() throws Exception {
        try (PyFtpd server = PyFtpd.start(dir.resolve("upstream"))) {
            Path local = localFile("a.jpg", 123_456);
            FtpUploader uploader = new FtpUploader(upstream(server.port(), "in/site7", PyFtpd.USER, PyFtpd.PASSWORD,
                    Duration.ofSeconds(10)));
            try (Uploader.Session session = uploader.open()) {
                session.upload(opened(local, "cams/gate/2026/a.jpg", Files.size(local), "00".repeat(32), "41", false, done -> { }));
                session.upload(opened(local, "cams/gate/2026/b.jpg", Files.size(local), "00".repeat(32), "42", false, done -> { }));
            }
            assertThat(server.root().resolve("in/site7/cams/gate/2026/a.jpg")).hasSameBinaryContentAs(local);
            assertThat(filesUnder(server.root())).containsExactly("in/site7/cams/gate/2026/a.jpg",
                    "in/site7/cams/gate/2026/b.jpg");
        }
    }

    @Test
    void replacesAnExistingFileOnAServerThatRefusesRenameOntoIt() throws Exception {
        Path root = dir.resolve("apache-upstream");
        Files.createDirectories(root);
        int port = PeerProcess.freePort();
        try (ApacheFtpUpstream server = ApacheFtpUpstream.start(root, port)) {
            FtpUploader uploader = new FtpUploader(upstream(port, "", "u", "p", Duration.ofSeconds(10)));
            Path v1 = localFile("v1", 1000);
            Path v2 = localFile("v2", 2000);
            try (Uploader.Session session = uploader.open()) {
                session.upload(opened(v1, "x/report.csv", 1000, "00".repeat(32), "1", false, done -> { }));
                session.upload(opened(v2, "x/report.csv", 2000, "00".repeat(32), "2", false, done -> { }));
            }
            assertThat(root.resolve("x/report.csv")).hasSameBinaryContentAs(v2);
            assertThat(filesUnder(root)).containsExactly("x/report.csv");
        }
    }

    @Test
    void vsftpdGetsTheFileUnderItsFinalNameAndReplacesOnRename() throws Exception {
        try (Vsftpd server = Vsftpd.start(dir.resolve("vsftpd"))) {
            FtpUploader uploader = toVsftpd(server.port());
            Path v1 = localFile("v1", 3000);
            Path v2 = localFile("v2", 4000);
            try (Uploader.Session session = uploader.open()) {
                session.upload(opened(v1, "cam/a.jpg", 3000, sha256(v1), "1", false, done -> { }));
                session.upload(opened(v2, "cam/a.jpg", 4000, sha256(v2), "2", false, done -> { }));
            }
            assertThat(server.root().resolve("in/cam/a.jpg")).hasSameBinaryContentAs(v2);
            assertThat(filesUnder(server.root())).containsExactly("in/cam/a.jpg");
        }
    }

    /**
     * vsftpd with its TLS defaults demands that every data connection resume the control connection's TLS
     * session (Commons Net alone does not: "522 SSL connection failed: session reuse required"), and the
     * agent checks the server's certificate against the upstream's ca-file and its address.
     */
    @Test
    void ftpsToVsftpdChecksTheCertificateAndResumesTheSessionOnEveryDataConnection() throws Exception {
        SelfSigned certificate = SelfSigned.forAddress(Files.createDirectories(dir.resolve("tls")), "127.0.0.1");
        try (Vsftpd server = Vsftpd.startTls(dir.resolve("vsftpd"), certificate)) {
            uploadsOverTlsAndRefusesAnUnvouchedCertificate(server, certificate, false);
        }
    }

    /** Implicit FTPS (vsftpd's implicit_ssl, as appliances on port 990 serve it): the same checks and uploads. */
    @Test
    void implicitFtpsToVsftpdUploadsWithTheCertificateChecked() throws Exception {
        SelfSigned certificate = SelfSigned.forAddress(Files.createDirectories(dir.resolve("tls")), "127.0.0.1");
        try (Vsftpd server = Vsftpd.startImplicitTls(dir.resolve("vsftpd"), certificate)) {
            uploadsOverTlsAndRefusesAnUnvouchedCertificate(server, certificate, true);
        }
    }

    /** Three files over one session (each on a data connection of its own), then a login with no ca-file. */
    private void uploadsOverTlsAndRefusesAnUnvouchedCertificate(Vsftpd server, SelfSigned certificate,
                                                                boolean implicit) throws Exception {
        FtpUploader uploader = new FtpUploader(ftps(server.port(), Optional.of(certificate.cert()), implicit));
        try (Uploader.Session session = uploader.open()) {
            for (int i = 0; i < 3; i++) {
                Path file = localFile("f" + i, 70_000 + i);
                session.upload(opened(file, "cam/f" + i + ".bin", 70_000 + i, sha256(file),
                        Integer.toString(i), false, done -> { }));
                assertThat(server.root().resolve("in/cam/f" + i + ".bin")).hasSameBinaryContentAs(file);
            }
        }
        assertThatThrownBy(() -> new FtpUploader(ftps(server.port(), Optional.empty(), implicit)).open())
                .as("a certificate nobody vouches for is refused")
                .isInstanceOfSatisfying(UpstreamException.class,
                        e -> assertThat(e.getMessage()).containsIgnoringCase("certificat"));
    }

    /**
     * SIZE goes out with the end of a transfer; a server may answer it before its 226 (here the proxy
     * delivers that 226 late): the upload still succeeds, and the replies of the next upload on the same
     * connection still line up.
     */
    @Test
    void aSizeAnsweredBeforeThe226KeepsTheRepliesInStep() throws Exception {
        try (Proxied up = Proxied.start(dir.resolve("vsftpd"))) {
            try (Uploader.Session session = up.uploader().open()) {
                for (int i = 0; i < 2; i++) {
                    if (i == 0) {
                        up.proxy().delayNext226();
                    }
                    Path file = localFile("late" + i, 30_000 + i);
                    assertThat(session.upload(upload(file, "cam/late" + i + ".bin", Integer.toString(i))).verifiedBy())
                            .isEqualTo("size");
                    assertThat(up.server().root().resolve("in/cam/late" + i + ".bin")).hasSameBinaryContentAs(file);
                }
            }
            assertThat(up.proxy().faultsFired()).isEqualTo(1);
            assertThat(filesUnder(up.server().root())).containsExactlyInAnyOrder("in/cam/late0.bin", "in/cam/late1.bin");
        }
    }

    /**
     * Files up to {@link Pipelining#EARLY_DATA_MAX} go out right after their STOR, before its 150; every server
     * here takes that (nothing falls back), and the next size up goes the usual way.
     */
    @ParameterizedTest
    @ValueSource(strings = {"vsftpd", "proftpd", "pyftpdlib", "apache-ftpserver"})
    void smallFilesSentBeforeThe150ArriveWholeOnEveryServer(String kind) throws Exception {
        int[] sizes = {0, 1, 4096, (int) Pipelining.EARLY_DATA_MAX, (int) Pipelining.EARLY_DATA_MAX + 1, 3};
        try (Peer server = Peer.start(kind, dir.resolve(kind))) {
            FtpUploader uploader = new FtpUploader(upstream(server.port, "in", server.user, server.password,
                    Duration.ofSeconds(10)));
            try (Uploader.Session session = uploader.open()) {
                for (int i = 0; i < sizes.length; i++) {
                    Path file = localFile("e" + i, sizes[i]);
                    assertThat(session.upload(upload(file, "cam/e" + i + ".bin", Integer.toString(i))).verifiedBy())
                            .as(kind + " " + sizes[i] + " bytes").isIn("size", "sha256");
                    assertThat(server.root.resolve("in/cam/e" + i + ".bin")).hasSameBinaryContentAs(file);
                }
            }
            assertThat(uploader.sendsDataBefore150()).as("no server made the uploader fall back").isTrue();
            assertThat(filesUnder(server.root.resolve("in"))).hasSize(sizes.length).noneMatch(f -> f.contains(".part"));
        }
    }

    /** The servers of {@link #smallFilesSentBeforeThe150ArriveWholeOnEveryServer}, started alike. */
    private record Peer(AutoCloseable process, int port, Path root, String user, String password) implements AutoCloseable {
        static Peer start(String kind, Path dir) throws Exception {
            return switch (kind) {
                case "vsftpd" -> {
                    Vsftpd s = Vsftpd.start(dir);
                    yield new Peer(s, s.port(), s.root(), Vsftpd.USER, Vsftpd.PASSWORD);
                }
                case "proftpd" -> {
                    ProFtpd s = ProFtpd.start(dir);
                    yield new Peer(s, s.port(), s.root(), ProFtpd.USER, ProFtpd.PASSWORD);
                }
                case "pyftpdlib" -> {
                    PyFtpd s = PyFtpd.start(dir);
                    yield new Peer(s, s.port(), s.root(), PyFtpd.USER, PyFtpd.PASSWORD);
                }
                default -> {
                    Files.createDirectories(dir);
                    int port = PeerProcess.freePort();
                    yield new Peer(ApacheFtpUpstream.start(dir, port), port, dir, "u", "p");
                }
            };
        }

        @Override
        public void close() throws Exception {
            process.close();
        }
    }

    /**
     * A STOR refused while its bytes were already on the way (553: the server could not create the temporary)
     * is a refusal like any other, with the server's reply; the replies stay in step and small files keep
     * going out early.
     */
    @Test
    void aStorRefusedAfterItsBytesWereSentIsARefusalAndTheNextFileStillGoesEarly() throws Exception {
        try (Proxied up = Proxied.start(dir.resolve("vsftpd"))) {
            Path file = localFile("refused", 5000);
            try (Uploader.Session session = up.uploader().open()) {
                up.proxy().replyToNextStor("553 Could not create file.");
                assertThatThrownBy(() -> session.upload(upload(file, "cam/r.bin", "1")))
                        .isInstanceOfSatisfying(UpstreamException.class, e -> {
                            assertThat(e.reason()).isEqualTo(UpstreamException.Reason.REFUSED);
                            assertThat(e.getMessage()).contains("553 Could not create file.");
                        });
                session.upload(upload(file, "cam/ok.bin", "2"));
            }
            assertThat(up.proxy().faultsFired()).isEqualTo(1);
            assertThat(up.uploader().sendsDataBefore150()).isTrue();
            assertThat(up.server().root().resolve("in/cam/ok.bin")).hasSameBinaryContentAs(file);
        }
    }

    /**
     * A server that answers a STOR whose bytes came early with something else than a 150 or a refusal (here
     * 425) fails that attempt; from then on the uploader waits for the 150, and the file goes through.
     */
    @Test
    void aServerThatFailsBytesSentBeforeThe150GetsThemAfterItFromThenOn() throws Exception {
        try (Proxied up = Proxied.start(dir.resolve("vsftpd"))) {
            Path file = localFile("odd", 6000);
            up.proxy().replyToNextStor("425 Can't open data connection.");
            try (Uploader.Session session = up.uploader().open()) {
                assertThatThrownBy(() -> session.upload(upload(file, "cam/odd.bin", "1")))
                        .isInstanceOfSatisfying(UpstreamException.class,
                                e -> assertThat(e.reason()).isEqualTo(UpstreamException.Reason.TRANSFER));
            }
            assertThat(up.uploader().sendsDataBefore150()).isFalse();
            try (Uploader.Session session = up.uploader().open()) { // the worker starts over on a new connection
                session.upload(upload(file, "cam/odd.bin", "2"));
            }
            assertThat(up.server().root().resolve("in/cam/odd.bin")).hasSameBinaryContentAs(file);
        }
    }

    /**
     * While small files go out early, each rename carries a PASV for the next file. A server that dropped that
     * passive port meanwhile (here the proxy closes it) is asked for a new one, and the file goes.
     */
    @Test
    void aPassivePortAskedForWithTheRenameAndGoneMeanwhileIsAskedForAgain() throws Exception {
        try (Proxied up = Proxied.start(dir.resolve("vsftpd"))) {
            Path file = localFile("ahead", 7000);
            try (Uploader.Session session = up.uploader().open()) {
                session.upload(upload(file, "cam/a1.bin", "1"));
                up.proxy().closeWaitingPassivePorts();
                session.upload(upload(file, "cam/a2.bin", "2"));
                session.upload(upload(file, "cam/a3.bin", "3"));
            }
            assertThat(up.uploader().sendsDataBefore150()).isTrue();
            for (String name : List.of("a1", "a2", "a3")) {
                assertThat(up.server().root().resolve("in/cam/" + name + ".bin")).hasSameBinaryContentAs(file);
            }
        }
    }

    /**
     * The connection is lost after the rename's 250 but before the reply to the PASV sent with it: the file is
     * delivered (it is upstream under its final name, so it is not sent again), and that connection is not
     * used again: the next upload on it fails as a lost connection, one on a new connection goes.
     */
    @Test
    void aConnectionLostBeforeThePasvSentWithARenameLeavesTheFileDelivered() throws Exception {
        try (Proxied up = Proxied.start(dir.resolve("vsftpd"))) {
            Path file = localFile("cut", 3000);
            try (Uploader.Session session = up.uploader().open()) {
                session.upload(upload(file, "cam/c1.bin", "1"));
                up.proxy().cutBeforeNext227();
                session.upload(upload(file, "cam/c2.bin", "2"));
                assertThat(up.proxy().faultsFired()).isEqualTo(1);
                assertThat(session.alive()).isFalse();
                assertThatThrownBy(() -> session.upload(upload(file, "cam/c3.bin", "3")))
                        .isInstanceOfSatisfying(UpstreamException.class,
                                e -> assertThat(e.reason()).isEqualTo(UpstreamException.Reason.CONNECT));
            }
            try (Uploader.Session session = up.uploader().open()) {
                session.upload(upload(file, "cam/c3.bin", "3"));
            }
            for (String name : List.of("c1", "c2", "c3")) {
                assertThat(up.server().root().resolve("in/cam/" + name + ".bin")).hasSameBinaryContentAs(file);
            }
        }
    }

    /**
     * A rename the server refuses (the final name is a folder upstream) is a rename failure that names the
     * server's reply, and the replies of the PASV sent with it stay in step: the next file goes through.
     */
    @Test
    void aRefusedRenameIsARenameFailureAndTheNextFileStillGoes() throws Exception {
        try (Vsftpd server = Vsftpd.start(dir.resolve("vsftpd"))) {
            FtpUploader uploader = toVsftpd(server.port());
            Path file = localFile("blocked", 2000);
            try (Uploader.Session session = uploader.open()) {
                session.upload(upload(file, "cam/first.bin", "1"));
                Files.createDirectories(server.root().resolve("in/cam/blocked.bin/inside"));
                assertThatThrownBy(() -> session.upload(upload(file, "cam/blocked.bin", "2")))
                        .isInstanceOfSatisfying(UpstreamException.class, e -> {
                            assertThat(e.reason()).isEqualTo(UpstreamException.Reason.RENAME);
                            assertThat(e.getMessage()).contains("RNTO").containsPattern(": 5\\d\\d ");
                        });
                session.upload(upload(file, "cam/next.bin", "3"));
            }
            assertThat(server.root().resolve("in/cam/next.bin")).hasSameBinaryContentAs(file);
        }
    }

    @Test
    void aServerThatHashesHasTheSha256Compared() throws Exception {
        try (ProFtpd server = ProFtpd.start(dir.resolve("proftpd"))) {
            FtpUploader uploader = new FtpUploader(upstream(server.port(), "in", ProFtpd.USER, ProFtpd.PASSWORD,
                    Duration.ofSeconds(10)));
            Path good = localFile("good", 70_000);
            try (Uploader.Session session = uploader.open()) {
                Uploader.Published published = session.upload(
                        opened(good, "cam/good.bin", 70_000, sha256(good), "1", false, done -> { }));
                assertThat(published.verifiedBy()).isEqualTo("sha256");

                Path bad = localFile("bad", 5000);
                assertThatThrownBy(() -> session.upload(
                        opened(bad, "cam/bad.bin", 5000, "ab".repeat(32), "2", false, done -> { })))
                        .isInstanceOfSatisfying(UpstreamException.class, e -> {
                            assertThat(e.reason()).isEqualTo(UpstreamException.Reason.VERIFY);
                            assertThat(e.getMessage()).contains("SHA-256");
                        });
            }
            assertThat(server.root().resolve("in/cam/good.bin")).hasSameBinaryContentAs(good);
            assertThat(filesUnder(server.root())).as("a file whose hash differs never gets its final name")
                    .containsExactly("in/cam/good.bin");
        }
    }

    @Test
    void aRefusedLoginIsALoginFailureWithoutThePassword() throws Exception {
        try (PyFtpd server = PyFtpd.start(dir.resolve("upstream"))) {
            FtpUploader uploader = new FtpUploader(upstream(server.port(), "", PyFtpd.USER, "wrong-secret-123",
                    Duration.ofSeconds(10)));
            assertThatThrownBy(uploader::open)
                    .isInstanceOfSatisfying(UpstreamException.class, e -> {
                        assertThat(e.reason()).isEqualTo(UpstreamException.Reason.LOGIN);
                        assertThat(e.getMessage()).contains("[127.0.0.1:" + server.port() + "]").contains("530")
                                .doesNotContain("wrong-secret-123");
                    });
        }
    }

    @Test
    void aClosedPortIsAConnectFailure() {
        int port = PeerProcess.freePort();
        FtpUploader uploader = new FtpUploader(upstream(port, "", "u", "p", Duration.ofSeconds(5)));
        assertThatThrownBy(uploader::open).isInstanceOfSatisfying(UpstreamException.class,
                e -> assertThat(e.reason()).isEqualTo(UpstreamException.Reason.CONNECT));
    }

    @Test
    void aServerThatNeverGreetsTimesOutWithinTheControlTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            FtpUploader uploader = new FtpUploader(upstream(silent.getLocalPort(), "", "u", "p", Duration.ofMillis(700)));
            long start = System.nanoTime();
            assertThatThrownBy(uploader::open).isInstanceOfSatisfying(UpstreamException.class,
                    e -> assertThat(e.reason()).isEqualTo(UpstreamException.Reason.TIMEOUT));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("bounded wait").isLessThan(Duration.ofSeconds(10));
        }
    }
}
