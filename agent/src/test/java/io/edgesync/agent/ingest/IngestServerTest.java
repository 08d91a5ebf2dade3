package io.edgesync.agent.ingest;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.SpoolLock;
import io.edgesync.agent.spool.StorageHealth;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The embedded server driven by real FTP clients (Commons Net, curl), with real files on disk. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IngestServerTest {
    @TempDir
    Path data;
    private final RecordingSink sink = new RecordingSink();
    private final List<ReceivedFile> recorded = sink.recorded;
    private final List<String> withdrawn = sink.withdrawn;
    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private IngestServer server;

    /** Stands in for the rest of the agent in the technician commands. */
    private final class FixedSiteInfo implements SiteInfo {
        @Override
        public String agentId() {
            return "test-agent";
        }

        @Override
        public String version() {
            return "9.9";
        }

        @Override
        public Duration uptime() {
            return Duration.ofHours(26).plusMinutes(3);
        }

        @Override
        public List<String> deliveries(String path) {
            return recorded.stream().anyMatch(f -> f.path().equals(path)) ? List.of("hq: delivered at T") : List.of();
        }

        @Override
        public List<String> queue() {
            return List.of("hq: up, 0 waiting, 0 parked");
        }
    }

    @BeforeEach
    void start() throws IOException {
        startWithFloor(0);
    }

    private void startWithFloor(long floorBytes) throws IOException {
        if (server != null) {
            server.stop();
        }
        int passive = PeerProcess.freeRange(8);
        FtpSettings settings = new FtpSettings("127.0.0.1", 0, passive, passive + 7, "", 16, 64, 6, Duration.ofSeconds(30),
                false, true, List.of("*.tmp", ".*"), new FtpSettings.LoginLimits(3, Duration.ofMillis(500), Duration.ofSeconds(6)),
                java.util.Optional.empty(), List.of(
                new FtpSettings.User("cam", Password.parse("cam-pw"), "cams/cam", "elradfmw"),
                new FtpSettings.User("drop", Password.parse("drop-pw"), "drop", "w",
                        new FtpSettings.Limits(100_000, 0, 0), false, List.of()),
                new FtpSettings.User("quota", Password.parse("quota-pw"), "quota", "elrwd",
                        new FtpSettings.Limits(0, 250_000, 3), false, List.of()),
                new FtpSettings.User("viewer", Password.Pbkdf2.create("viewer-pw".toCharArray(), 20_000,
                        new java.security.SecureRandom()), "cams", "elr"),
                new FtpSettings.User("gate", Password.parse("gate-pw"), "gate", "w", FtpSettings.Limits.NONE, false,
                        List.of("127.0.0.30/31"))));
        server = new IngestServer(settings, data.resolve("spool"), data.resolve("incoming"), sink,
                new DiskSpace(data, new AgentConfig.Disk(floorBytes, 0)), new SpoolLock(), events::add,
                registry, new FixedSiteInfo(), new StorageHealth(data, events::add, Clock.systemUTC()), bytes -> { },
                Clock.systemUTC());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private FTPClient login(String user, String password) throws IOException {
        FTPClient client = new FTPClient();
        client.setDefaultTimeout(10_000);
        client.setDataTimeout(Duration.ofSeconds(10));
        client.connect("127.0.0.1", server.port());
        assertThat(client.login(user, password)).as("login " + user).isTrue();
        client.setFileType(FTP.BINARY_FILE_TYPE);
        client.enterLocalPassiveMode();
        return client;
    }

    /** Every file under {@code dir} (its folders are not counted). */
    private static List<Path> filesUnder(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void completeUploadLandsInTheSpoolAndIsRecordedWithItsHash() throws Exception {
        byte[] body = random(300_000);
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.makeDirectory("2026")).isTrue();
        assertThat(client.storeFile("2026/a.jpg", new ByteArrayInputStream(body))).isTrue();
        assertThat(client.getReplyCode()).isEqualTo(226);
        client.logout();

        Path stored = data.resolve("spool/cams/cam/2026/a.jpg");
        assertThat(stored).hasBinaryContent(body);
        assertThat(recorded).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("cams/cam/2026/a.jpg");
            assertThat(f.size()).isEqualTo(body.length);
            assertThat(f.user()).isEqualTo("cam");
            assertThat(f.clientIp()).isEqualTo("127.0.0.1");
        });
        assertThat(recorded.getFirst().sha256()).isEqualTo(sha256(body));
        assertThat(filesUnder(data.resolve("incoming"))).isEmpty();
    }

    @Test
    void uploadsOfEverySizeAroundTheReusedReceiveBufferKeepTheirBytesAndHashes() throws Exception {
        // received through one reused 256 KiB buffer: a larger upload before a smaller one leaves bytes in
        // it, and 5 MiB passes the size from which hashing moves to its own thread
        int buffer = 256 * 1024;
        int[] sizes = {5 << 20, 3 * buffer + 7, buffer + 1, buffer, buffer - 1, 1, 0};
        FTPClient client = login("cam", "cam-pw");
        for (int size : sizes) {
            assertThat(client.storeFile("s" + size + ".bin", new ByteArrayInputStream(random(size))))
                    .as("STOR of %d bytes", size).isTrue();
        }
        client.logout();

        for (int size : sizes) {
            assertThat(data.resolve("spool/cams/cam/s" + size + ".bin")).hasBinaryContent(random(size));
        }
        assertThat(recorded).hasSize(sizes.length);
        for (int i = 0; i < sizes.length; i++) {
            assertThat(recorded.get(i).size()).isEqualTo(sizes[i]);
            assertThat(recorded.get(i).sha256()).as("hash of %d bytes", sizes[i]).isEqualTo(sha256(random(sizes[i])));
        }
    }

    @Test
    void temporariesOfUploadsThatNeverGotA226AreClearedAtStartFromEveryIncomingFolder() throws Exception {
        FTPClient client = login("cam", "cam-pw");
        for (int i = 0; i < 3; i++) {
            assertThat(client.storeFile("t" + i + ".bin", new ByteArrayInputStream(random(10)))).isTrue();
        }
        client.logout();
        server.stop();
        Path inStripe = data.resolve("incoming/3/left-by-a-crash.part");
        Path inRoot = data.resolve("incoming/from-an-older-agent.part");
        Files.write(inStripe, random(100));
        Files.write(inRoot, random(100));

        startWithFloor(0);

        assertThat(inStripe).doesNotExist();
        assertThat(inRoot).doesNotExist();
        try (var stripes = Files.list(data.resolve("incoming"))) {
            assertThat(stripes.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5", "6", "7");
        }
        assertThat(recorded).hasSize(3); // the completed uploads are untouched
        assertThat(data.resolve("spool/cams/cam/t0.bin")).exists();
    }

    @Test
    void aFailedLedgerCommitGets451AndTheDeviceMaySendAgain() throws Exception {
        sink.failure = new IOException("disk I/O error");
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("a.jpg", new ByteArrayInputStream(random(1000)))).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(451);

        sink.failure = null;
        assertThat(client.storeFile("a.jpg", new ByteArrayInputStream(random(1000)))).isTrue();
        assertThat(recorded).hasSize(1);
    }

    @Test
    void anUploadCutMidStreamIsNeitherStoredNorRecorded() throws Exception {
        List<Socket> dataSockets = new CopyOnWriteArrayList<>();
        FTPClient client = login("cam", "cam-pw");
        client.setSocketFactory(new RecordingSocketFactory(dataSockets));
        OutputStream out = client.storeFileStream("cut.bin");
        out.write(random(200_000));
        out.flush();
        Socket dataSocket = dataSockets.getFirst();
        dataSocket.setSoLinger(true, 0); // close with RST: the connection is lost, not finished
        dataSocket.close();
        client.completePendingCommand();
        assertThat(client.getReplyCode()).isEqualTo(426);

        assertThat(recorded).isEmpty();
        assertThat(data.resolve("spool/cams/cam/cut.bin")).doesNotExist();
        assertThat(filesUnder(data.resolve("incoming"))).as("kept only for the device to continue")
                .containsExactly(data.resolve("incoming/partial/cams/cam/cut.bin"));
        assertThat(client.sendNoOp()).as("the session goes on").isTrue();
    }

    @Test
    void writeOnlyDropBoxCannotListOrDownload() throws Exception {
        FTPClient client = login("drop", "drop-pw");
        assertThat(client.storeFile("doc.pdf", new ByteArrayInputStream(random(500)))).isTrue();
        assertThat(client.listNames()).isNull();
        assertThat(client.getReplyCode()).isEqualTo(550);
        assertThat(client.retrieveFile("doc.pdf", new ByteArrayOutputStream())).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(550);
        assertThat(client.makeDirectory("sub")).isFalse();
        assertThat(client.deleteFile("doc.pdf")).isFalse();
        assertThat(data.resolve("spool/drop/doc.pdf")).exists();
    }

    @Test
    void anUploadOverTheUsersMaxFileSizeGets552AndLeavesNothing() throws Exception {
        FTPClient client = login("drop", "drop-pw");
        int code;
        try {
            client.storeFile("big.pdf", new ByteArrayInputStream(random(3_000_000)));
            code = client.getReplyCode();
        } catch (org.apache.commons.net.io.CopyStreamException e) {
            code = client.getReply(); // the server stopped reading: its reply says why
        }
        assertThat(code).isEqualTo(552);
        assertThat(data.resolve("spool/drop/big.pdf")).doesNotExist();
        assertThat(filesUnder(data.resolve("incoming"))).isEmpty();
        assertThat(recorded).isEmpty();
        assertThat(login("drop", "drop-pw").storeFile("small.pdf", new ByteArrayInputStream(random(100_000)))).isTrue();
    }

    @Test
    void theQuotaCountsWhatTheHomeHoldsAndRefusesWhatWouldPassItWith552() throws Exception {
        FTPClient client = login("quota", "quota-pw");
        assertThat(client.storeFile("a.jpg", new ByteArrayInputStream(random(100_000)))).isTrue();
        assertThat(client.storeFile("b.jpg", new ByteArrayInputStream(random(100_000)))).isTrue();
        // 200,000 of 250,000 bytes held: a file that would pass the quota is cut off where it passes it
        int code;
        try {
            client.storeFile("c.jpg", new ByteArrayInputStream(random(60_000)));
            code = client.getReplyCode();
        } catch (org.apache.commons.net.io.CopyStreamException e) {
            code = client.getReply();
        }
        assertThat(code).isEqualTo(552);
        assertThat(client.getReplyString()).contains("Quota exceeded");
        assertThat(data.resolve("spool/quota/c.jpg")).doesNotExist();
        assertThat(filesUnder(data.resolve("incoming"))).isEmpty();

        client = login("quota", "quota-pw");
        // replacing a file frees its bytes first
        assertThat(client.storeFile("b.jpg", new ByteArrayInputStream(random(140_000)))).isTrue();
        assertThat(client.storeFile("c.jpg", new ByteArrayInputStream(random(10_000)))).isTrue();
        // three files held: a fourth is refused before any byte moves, replacing one is still allowed
        assertThat(client.storeFile("d.jpg", new ByteArrayInputStream(random(10)))).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(552);
        assertThat(client.getReplyString()).contains("3 of its 3 files");
        assertThat(client.storeFile("c.jpg", new ByteArrayInputStream(random(20)))).isTrue();
        // deleting frees room at once
        assertThat(client.deleteFile("a.jpg")).isTrue();
        assertThat(client.storeFile("d.jpg", new ByteArrayInputStream(random(10)))).isTrue();
        assertThat(recorded).extracting(ReceivedFile::path)
                .containsExactly("quota/a.jpg", "quota/b.jpg", "quota/b.jpg", "quota/c.jpg", "quota/c.jpg", "quota/d.jpg");
    }

    @Test
    void readOnlyUserCannotStore() throws Exception {
        FTPClient client = login("viewer", "viewer-pw");
        assertThat(client.storeFile("x.jpg", new ByteArrayInputStream(random(10)))).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(550);
        assertThat(client.appendFile("x.jpg", new ByteArrayInputStream(random(10)))).isFalse();
        assertThat(data.resolve("spool/cams/x.jpg")).doesNotExist();
        assertThat(recorded).isEmpty();
    }

    @Test
    void appendAndRestartKeepTheExistingBytesAndRecordTheWholeFile() throws Exception {
        byte[] first = random(1000);
        byte[] second = random(500);
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("log.csv", new ByteArrayInputStream(first))).isTrue();
        assertThat(client.appendFile("log.csv", new ByteArrayInputStream(second))).isTrue();
        byte[] whole = new byte[1500];
        System.arraycopy(first, 0, whole, 0, 1000);
        System.arraycopy(second, 0, whole, 1000, 500);
        assertThat(data.resolve("spool/cams/cam/log.csv")).hasBinaryContent(whole);
        assertThat(recorded.getLast().sha256()).isEqualTo(sha256(whole));

        client.setRestartOffset(1000);
        byte[] tail = random(700);
        assertThat(client.storeFile("log.csv", new ByteArrayInputStream(tail))).isTrue();
        byte[] resumed = new byte[1700];
        System.arraycopy(first, 0, resumed, 0, 1000);
        System.arraycopy(tail, 0, resumed, 1000, 700);
        assertThat(data.resolve("spool/cams/cam/log.csv")).hasBinaryContent(resumed);
        assertThat(recorded.getLast().size()).isEqualTo(1700);
    }

    @Test
    void aUserWithAHashedPasswordLogsIn() throws Exception {
        FTPClient client = login("viewer", "viewer-pw");
        assertThat(client.listNames()).isNotNull();
    }

    @Test
    void wrongPasswordUnknownUserAndAnonymousAllGet530() throws Exception {
        int from = 2; // each from its own loopback address, so the login guard does not step in
        for (String[] creds : new String[][] {{"cam", "wrong"}, {"nobody", "cam-pw"}, {"anonymous", "a@b"},
                {"viewer", "viewer-pw2"}}) {
            FTPClient client = connectFrom("127.0.0." + from++);
            assertThat(client.login(creds[0], creds[1])).as(creds[0]).isFalse();
            assertThat(client.getReplyCode()).as(creds[0]).isEqualTo(530);
            client.disconnect();
        }
    }

    @Test
    void failedLoginsFromOneAddressAreThrottledThenBannedAcrossConnections() throws Exception {
        String attacker = "127.0.0.9";
        FTPClient first = connectFrom(attacker);
        assertThat(first.login("cam", "guess-1")).isFalse();
        assertThat(first.login("cam", "cam-pw")).as("too soon after a failure: not even checked").isFalse();
        assertThat(first.getReplyString()).contains("wait");
        first.disconnect();
        for (int i = 2; i <= 3; i++) {
            FTPClient next = connectFrom(attacker);
            // the throttle under test: attempts before the address's delay (500 ms, then 1 s) is over are refused
            // unchecked and change nothing; the first one after it is checked (and fails), well within the 6 s
            // in which failures add up to a ban
            String guess = "guess-" + i;
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(next.login("nobody", guess)).isFalse();
                return !next.getReplyString().contains("wait");
            });
            next.disconnect();
        }
        FTPClient banned = connectFrom(attacker);
        assertThatThrownBy(() -> banned.login("cam", "cam-pw")).as("banned: even the right password, and hung up")
                .isInstanceOf(org.apache.commons.net.ftp.FTPConnectionClosedException.class).hasMessageContaining("421");

        FTPClient neighbour = connectFrom("127.0.0.10");
        assertThat(neighbour.login("cam", "cam-pw")).as("another address is not affected").isTrue();
        neighbour.disconnect();

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
            FTPClient again = connectFrom(attacker);
            try {
                return again.login("cam", "cam-pw");
            } catch (org.apache.commons.net.ftp.FTPConnectionClosedException stillBanned) {
                return false;
            } finally {
                again.disconnect();
            }
        });
        assertThat(registry.counter("edgesync.ftp.login.failures").count()).isEqualTo(3);
        assertThat(registry.counter("edgesync.ftp.login.bans").count()).isEqualTo(1);
    }

    @Test
    void anAccountWithAnAllowListLogsInOnlyFromInsideIt() throws Exception {
        for (String inside : List.of("127.0.0.30", "127.0.0.31")) {
            FTPClient client = connectFrom(inside);
            assertThat(client.login("gate", "gate-pw")).as(inside).isTrue();
            client.disconnect();
        }
        FTPClient outside = connectFrom("127.0.0.32");
        assertThat(outside.login("gate", "gate-pw")).isFalse();
        assertThat(outside.getReplyString()).contains("530 Authentication failed."); // as a wrong password
        outside.disconnect();
    }

    @Test
    void connectionsPerAddressAreLimitedBeforeLogin() throws Exception {
        List<java.net.Socket> idle = new java.util.ArrayList<>();
        try {
            // connections not logged in from one address: an eighth of half of max-connections (64) = 4,
            // below max-connections-per-ip (6)
            for (int i = 0; i < 4; i++) {
                java.net.Socket s = new java.net.Socket(InetAddress.getByName("127.0.0.1"), server.port(),
                        InetAddress.getByName("127.0.0.20"), 0);
                s.setSoTimeout(5_000);
                assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream())).readLine())
                        .startsWith("220");
                idle.add(s);
            }
            java.net.Socket seventh = new java.net.Socket(InetAddress.getByName("127.0.0.1"), server.port(),
                    InetAddress.getByName("127.0.0.20"), 0);
            seventh.setSoTimeout(5_000);
            assertThat(seventh.getInputStream().read()).as("closed without a greeting").isEqualTo(-1);
            seventh.close();

            FTPClient other = connectFrom("127.0.0.21");
            assertThat(other.login("cam", "cam-pw")).as("another address still gets in").isTrue();
            other.disconnect();
        } finally {
            for (java.net.Socket s : idle) {
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            FTPClient again = connectFrom("127.0.0.20");
            boolean in = again.login("cam", "cam-pw");
            again.disconnect();
            return in;
        });
    }

    private FTPClient connectFrom(String localAddress) throws IOException {
        FTPClient client = new FTPClient();
        client.setDefaultTimeout(10_000);
        client.connect(InetAddress.getByName("127.0.0.1"), server.port(), InetAddress.getByName(localAddress), 0);
        return client;
    }

    @Test
    void pathsOutsideTheHomeNeverReachOutside() throws Exception {
        FTPClient client = login("cam", "cam-pw");
        client.storeFile("../../../escape.txt", new ByteArrayInputStream(random(10)));
        client.storeFile("/../escape2.txt", new ByteArrayInputStream(random(10)));
        try (var files = Files.walk(data)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> data.relativize(p).toString()))
                    .allSatisfy(p -> assertThat(p).satisfiesAnyOf(
                            q -> assertThat(q).startsWith("spool/cams/cam/"),
                            q -> assertThat(q).startsWith("incoming/")));
        }
        assertThat(recorded).allSatisfy(f -> assertThat(f.path()).startsWith("cams/cam/"));
    }

    @Test
    void aSymlinkPlantedInTheSpoolCannotCarryAnUploadOrRenameOutside() throws Exception {
        Path outside = Files.createDirectories(data.resolve("outside"));
        Files.createDirectories(data.resolve("spool/cams/cam"));
        Files.createSymbolicLink(data.resolve("spool/cams/cam/escape"), outside);
        Files.createSymbolicLink(data.resolve("spool/cams/cam/link.txt"), outside.resolve("target.txt"));
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("escape/x.bin", new ByteArrayInputStream(random(10)))).isFalse();
        assertThat(client.getReplyCode()).as("the confined file system says it is not writable").isEqualTo(550);
        assertThat(client.storeFile("link.txt", new ByteArrayInputStream(random(10)))).isFalse();
        assertThat(client.storeFile("a.tmp", new ByteArrayInputStream(random(10)))).isTrue();
        assertThat(client.rename("a.tmp", "escape/a.jpg")).isFalse();
        try (var files = Files.list(outside)) {
            assertThat(files).as("nothing written through the links").isEmpty();
        }
        assertThat(recorded).isEmpty();
    }

    @Test
    void aSymlinkPlantedInTheSpoolShowsNothingOutside() throws Exception {
        Path outside = Files.createDirectories(data.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "not for devices");
        Files.createDirectories(data.resolve("spool/cams/cam"));
        Files.createSymbolicLink(data.resolve("spool/cams/cam/escape"), outside);
        Files.createSymbolicLink(data.resolve("spool/cams/cam/link.txt"), outside.resolve("secret.txt"));
        Files.writeString(data.resolve("spool/cams/cam/mine.txt"), "mine");
        Files.createSymbolicLink(data.resolve("spool/cams/cam/inside.txt"), data.resolve("spool/cams/cam/mine.txt"));
        Files.createSymbolicLink(data.resolve("spool/cams/cam/loop"), data.resolve("spool/cams/cam/loop"));
        FTPClient client = login("cam", "cam-pw");

        assertThat(client.listNames()).as("links that lead out, and a loop, are not there")
                .containsExactlyInAnyOrder("mine.txt", "inside.txt");
        assertThat(client.changeWorkingDirectory("escape")).isFalse();
        assertThat(client.retrieveFile("link.txt", new ByteArrayOutputStream())).isFalse();
        assertThat(client.retrieveFile("escape/secret.txt", new ByteArrayOutputStream())).isFalse();
        assertThat(client.deleteFile("escape/secret.txt")).isFalse();
        ByteArrayOutputStream ok = new ByteArrayOutputStream();
        assertThat(client.retrieveFile("inside.txt", ok)).as("a link that stays inside the home works").isTrue();
        assertThat(ok.toString()).isEqualTo("mine");
        assertThat(outside.resolve("secret.txt")).hasContent("not for devices");
    }

    @Test
    void curlUploadsIntoNewFolders() throws Exception {
        Path curl = Peers.require("curl", "curl");
        Path src = data.resolve("photo.jpg");
        byte[] body = random(64 * 1024);
        Files.write(src, body);
        Process p = new ProcessBuilder(curl.toString(), "-sS", "--ftp-create-dirs", "-T", src.toString(),
                "ftp://cam:cam-pw@127.0.0.1:" + server.port() + "/site/2026/photo.jpg")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        assertThat(data.resolve("spool/cams/cam/site/2026/photo.jpg")).hasBinaryContent(body);
        assertThat(recorded).singleElement().extracting(ReceivedFile::path).isEqualTo("cams/cam/site/2026/photo.jpg");
    }

    @Test
    void belowTheDiskFloorUploadsGet452BeforeAnyByteIsWritten() throws Exception {
        startWithFloor(Long.MAX_VALUE / 2);
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("big.bin", new ByteArrayInputStream(random(1000)))).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(452);
        assertThat(data.resolve("spool/cams/cam/big.bin")).doesNotExist();
        assertThat(filesUnder(data.resolve("incoming"))).isEmpty();
        assertThat(recorded).isEmpty();
        assertThat(events).singleElement().isInstanceOfSatisfying(AgentEvent.UploadRefused.class,
                e -> assertThat(e.reason()).isEqualTo("disk-floor"));

        startWithFloor(0); // space is back: the same device succeeds with no operator action
        assertThat(login("cam", "cam-pw").storeFile("big.bin", new ByteArrayInputStream(random(1000)))).isTrue();
        assertThat(recorded).hasSize(1);
    }

    @Test
    void aDeviceTemporaryIsDeliveredOnlyUnderItsFinalName() throws Exception {
        byte[] body = random(5000);
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("shot.tmp", new ByteArrayInputStream(body))).isTrue();
        assertThat(recorded).as("a *.tmp name is stored, not delivered").isEmpty();
        assertThat(client.rename("shot.tmp", "shot.jpg")).isTrue();
        assertThat(client.getReplyCode()).isEqualTo(250);

        assertThat(data.resolve("spool/cams/cam/shot.jpg")).hasBinaryContent(body);
        assertThat(data.resolve("spool/cams/cam/shot.tmp")).doesNotExist();
        assertThat(recorded).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("cams/cam/shot.jpg");
            assertThat(f.size()).isEqualTo(5000);
        });
        assertThat(recorded.getFirst().sha256()).isEqualTo(sha256(body));
        assertThat(withdrawn).isEmpty();
    }

    @Test
    void renameOntoAnExistingNameReplacesItAsVsftpdDoes() throws Exception {
        byte[] v2 = random(2222);
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("a.jpg", new ByteArrayInputStream(random(1111)))).isTrue();
        assertThat(client.storeFile(".a.jpg.part", new ByteArrayInputStream(v2))).isTrue();
        assertThat(client.rename(".a.jpg.part", "a.jpg")).isTrue();
        assertThat(data.resolve("spool/cams/cam/a.jpg")).hasBinaryContent(v2);
        assertThat(recorded).extracting(ReceivedFile::size).containsExactly(1111L, 2222L);
    }

    @Test
    void renamingOrDeletingADeliveredNameWithdrawsIt() throws Exception {
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("a.jpg", new ByteArrayInputStream(random(10)))).isTrue();
        assertThat(client.rename("a.jpg", "b.jpg")).isTrue();
        assertThat(client.deleteFile("b.jpg")).isTrue();
        assertThat(recorded).extracting(ReceivedFile::path).containsExactly("cams/cam/a.jpg", "cams/cam/b.jpg");
        // DELE withdraws after its reply (an Ftplet's afterCommand): a crash in between only parks the delivery
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(withdrawn).containsExactly("cams/cam/a.jpg", "cams/cam/b.jpg"));
    }

    @Test
    void aFolderWithFilesStillOwedCannotBeRenamed() throws Exception {
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.makeDirectory("batch")).isTrue();
        assertThat(client.storeFile("batch/x.jpg", new ByteArrayInputStream(random(10)))).isTrue();
        assertThat(client.rename("batch", "moved")).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(450);
        assertThat(data.resolve("spool/cams/cam/batch/x.jpg")).exists();
    }

    @Test
    void techniciansCanAskForSpaceQueueAFilesDeliveryAndStatus() throws Exception {
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.storeFile("a.jpg", new ByteArrayInputStream(random(10)))).isTrue();
        assertThat(client.sendSiteCommand("DF")).isTrue();
        assertThat(client.getReplyString()).contains("MiB free of").contains("refused below");
        assertThat(client.sendSiteCommand("SYNC a.jpg")).isTrue();
        assertThat(client.getReplyString()).contains("a.jpg:").contains("hq: delivered at T");
        assertThat(client.sendSiteCommand("SYNC nope.jpg")).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(550);
        assertThat(client.sendSiteCommand("QUEUE")).isTrue();
        assertThat(client.getReplyString()).contains("hq: up, 0 waiting");
        client.sendSiteCommand("HELP");
        assertThat(client.getReplyCode()).isEqualTo(214);
        assertThat(client.getReplyString()).contains("SYNC <file>");
        client.sendCommand("STAT");
        assertThat(client.getReplyCode()).isEqualTo(211);
        assertThat(client.getReplyString()).contains("edgesync 9.9 on agent test-agent").contains("Up 1d 2h 3m")
                .contains("logged in").contains("You: cam from 127.0.0.1");

        FTPClient drop = login("drop", "drop-pw");
        assertThat(drop.sendSiteCommand("SYNC doc.pdf")).as("SYNC needs the listing right").isFalse();
        assertThat(drop.getReplyCode()).isEqualTo(550);
        assertThat(drop.sendSiteCommand("DF")).isTrue();
    }

    @Test
    void activeModeConnectsOnlyToTheClientItselfOnUnprivilegedPorts() throws Exception {
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.sendCommand("PORT 127,0,0,1,0,25")).as("privileged port (FTP bounce)").isEqualTo(504);
        assertThat(client.sendCommand("EPRT |1|127.0.0.1|80|")).isEqualTo(504);
        assertThat(client.sendCommand("PORT 127,0,0,7,200,10")).as("another host (FTP bounce)").isEqualTo(501);
        assertThat(client.sendCommand("EPRT |1|127.0.0.7|51210|")).isEqualTo(501);
        assertThat(client.sendCommand("PORT 127,0,0,1,200,10")).isEqualTo(200);

        client.enterLocalActiveMode(); // a real active-mode upload back to this client
        byte[] body = random(20_000);
        assertThat(client.storeFile("active.bin", new ByteArrayInputStream(body))).isTrue();
        assertThat(data.resolve("spool/cams/cam/active.bin")).hasBinaryContent(body);
    }

    @Test
    void featDoesNotAdvertiseCompression() throws Exception {
        FTPClient client = login("cam", "cam-pw");
        assertThat(client.features()).isTrue();
        assertThat(client.getReplyString()).contains("SIZE", "UTF8").doesNotContain("MODE Z");
    }

    /** Hands out plain sockets and remembers them, so a test can cut the data connection. */
    private static final class RecordingSocketFactory extends SocketFactory {
        private final List<Socket> sockets;

        RecordingSocketFactory(List<Socket> sockets) {
            this.sockets = sockets;
        }

        private Socket remember(Socket s) {
            sockets.add(s);
            return s;
        }

        @Override
        public Socket createSocket() {
            return remember(new Socket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return remember(new Socket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
            return remember(new Socket(host, port, local, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return remember(new Socket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
            return remember(new Socket(host, port, local, localPort));
        }
    }
}
