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
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a device was told is stored (226) is stored whole, and nothing else is: uploads cut by a killed client,
 * by ABOR or by a failing ledger, driven by real clients (curl, Python's ftplib) and raw control connections.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UploadTrustTest {
    @TempDir
    Path data;
    @TempDir
    Path work;
    private final RecordingSink sink = new RecordingSink();
    private IngestServer server;

    @BeforeEach
    void start() throws IOException {
        int passive = PeerProcess.freeRange(16);
        FtpSettings settings = new FtpSettings("127.0.0.1", 0, passive, passive + 15, "", 64, 256, 64,
                Duration.ofSeconds(30), false, false, List.of("*.tmp"),
                new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1)), Optional.empty(), List.of(
                new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elradfmw"),
                new FtpSettings.User("chmod", Password.parse("chmod-pw"), "chmod", "elrwM"),
                new FtpSettings.User("quota", Password.parse("quota-pw"), "quota", "elrwd",
                        new FtpSettings.Limits(0, 30_000, 0), false, List.of())));
        server = sink.start(data, settings);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Logged in, binary transfers (a raw client starts in ASCII, which turns CR LF into LF). */
    private static void binary(RawClient client, String user, String password) throws IOException {
        client.login(user, password);
        assertThat(client.send("TYPE I")).startsWith("200");
    }

    private String url(String name) {
        return "ftp://cam:cam-pw@127.0.0.1:" + server.port() + "/" + name;
    }

    @Test
    void aClientKilledMidUploadHasNothingRecordedOrStored() throws Exception {
        Path curl = Peers.require("curl", "curl");
        Path body = work.resolve("3MB.bin");
        Files.write(body, random(3 << 20, 1));
        Random delays = new Random(7);
        // both cores busy, as on a loaded board: curl's data socket (the lower descriptor) ends first, and a
        // preempted exit can leave its control connection open a while longer
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> burners = IntStream.range(0, 2).mapToObj(n -> Thread.ofPlatform().start(() -> {
            long spin = 0;
            while (busy.get()) {
                spin++;
            }
            assertThat(spin).isPositive();
        })).toList();
        try {
            for (int i = 0; i < 12; i++) {
                String name = "kill" + i + ".bin";
                Process upload = new ProcessBuilder(curl.toString(), "-s", "--limit-rate", "400K", "-T",
                        body.toString(), url(name)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                Thread.sleep(100 + delays.nextInt(1900)); // a moment mid-upload: the kill under test
                upload.destroyForcibly(); // SIGKILL: the kernel ends both connections with a plain FIN
                assertThat(upload.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            busy.set(false);
            for (Thread burner : burners) {
                burner.join();
            }
        }
        // the server may still be finishing the last ones: every session ends within the wait
        await().atMost(Duration.ofSeconds(20)).until(() -> server.sessions().isEmpty());
        assertThat(sink.recorded).as("truncated uploads recorded").isEmpty();
        try (var files = Files.list(data.resolve("spool/cam"))) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("kill"))).isEmpty();
        }
    }

    @Test
    void anUploadFollowedAtOnceByQuitIsKept() throws Exception {
        for (int i = 0; i < 20; i++) {
            RawClient client = new RawClient(server.port());
            binary(client, "cam", "cam-pw");
            try (Socket socket = client.startUpload("quit" + i + ".bin")) {
                socket.getOutputStream().write(random(100_000, i));
            }
            client.out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII)); // without waiting for the 226
            client.out.flush();
            client.close();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.recorded.size() == 20);
        for (int i = 0; i < 20; i++) {
            assertThat(data.resolve("spool/cam/quit" + i + ".bin")).hasBinaryContent(random(100_000, i));
        }
    }

    @Test
    void anUploadShorterThanTheSizeItsClientAnnouncedWithAlloIsNotKept() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "cam", "cam-pw");
            assertThat(client.send("ALLO 200000")).startsWith("20");
            try (Socket socket = client.startUpload("short.bin")) {
                socket.getOutputStream().write(random(150_000, 3));
            }
            assertThat(client.reply()).startsWith("426");
            assertThat(client.send("ALLO 1000")).startsWith("20");
            try (Socket socket = client.startUpload("whole.bin")) {
                socket.getOutputStream().write(random(1000, 4));
            }
            assertThat(client.reply()).startsWith("226");
        }
        assertThat(sink.recorded).extracting(ReceivedFile::path).containsExactly("cam/whole.bin");
        assertThat(data.resolve("spool/cam/short.bin")).doesNotExist();
    }

    @Test
    void aborDuringAnUploadIsAnswered426Then226AndKeepsNothing() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "cam", "cam-pw");
            try (Socket socket = client.startUpload("abor.bin")) {
                socket.getOutputStream().write(random(200_000, 5));
                socket.getOutputStream().flush();
                // RFC 959 4.1.3: Telnet IP, then Synch (IAC DM sent urgent), then ABOR, the data connection open
                client.out.write(new byte[] {(byte) 255, (byte) 244, (byte) 255});
                client.out.flush();
                client.socket.sendUrgentData(242);
                client.out.write("ABOR\r\n".getBytes(StandardCharsets.US_ASCII));
                client.out.flush();
                assertThat(client.reply()).as("the transfer").startsWith("426");
                assertThat(client.reply()).as("the ABOR").startsWith("226");
            }
            assertThat(client.send("NOOP")).as("the session goes on").startsWith("200");
            try (Socket socket = client.startUpload("after.bin")) {
                socket.getOutputStream().write(random(10, 6));
            }
            assertThat(client.reply()).startsWith("226");
        }
        assertThat(sink.recorded).extracting(ReceivedFile::path).containsExactly("cam/after.bin");
        assertThat(data.resolve("spool/cam/abor.bin")).doesNotExist();
    }

    @Test
    void ftplibsAbortMidUploadIsAnsweredAndTheSessionGoesOn() throws Exception {
        Path python = Peers.pyftpdlib(); // Debian's python3, which has ftplib
        Path script = work.resolve("abort.py");
        Files.writeString(script, """
                import ftplib, io, sys
                ftp = ftplib.FTP()
                ftp.connect('127.0.0.1', int(sys.argv[1]), timeout=10)
                ftp.login('cam', 'cam-pw')
                conn = ftp.transfercmd('STOR abor.bin')
                conn.sendall(b'x' * 500000)
                print('abort:', ftp.abort())  # ABOR sent urgent; reads the transfer's 426
                conn.close()
                print('then:', ftp.getresp())  # the ABOR's own 226
                print('noop:', ftp.voidcmd('NOOP'))
                ftp.storbinary('STOR after.bin', io.BytesIO(b'done'))
                ftp.quit()
                """);
        Process run = new ProcessBuilder(python.toString(), script.toString(), Integer.toString(server.port()))
                .redirectErrorStream(true).start();
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("ftplib finished").isTrue();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.exitValue()).as(out).isZero();
        assertThat(out).contains("abort: 426").contains("then: 226").contains("noop: 200");
        assertThat(sink.recorded).extracting(ReceivedFile::path).containsExactly("cam/after.bin");
        assertThat(data.resolve("spool/cam/abor.bin")).doesNotExist();
    }

    @Test
    void aReplacementWhoseCommitFailsLeavesTheAcknowledgedVersionInPlace() throws Exception {
        byte[] v1 = random(50_000, 10);
        byte[] v2 = random(50_000, 11); // the same size: only the bytes tell them apart
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "cam", "cam-pw");
            try (Socket socket = client.startUpload("same.jpg")) {
                socket.getOutputStream().write(v1);
            }
            assertThat(client.reply()).startsWith("226");
            sink.failure = new IOException("database is locked");
            try (Socket socket = client.startUpload("same.jpg")) {
                socket.getOutputStream().write(v2);
            }
            assertThat(client.reply()).startsWith("451");
        }
        assertThat(data.resolve("spool/cam/same.jpg")).as("the acknowledged version").hasBinaryContent(v1);
        assertThat(sink.recorded).hasSize(1);
    }

    @Test
    void aCutUploadIsKeptPrivatelyAndContinuedByRestAndStor() throws Exception {
        byte[] body = random(3_000_000, 20);
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "cam", "cam-pw");
            try (Socket socket = client.startUpload("resume.bin")) {
                socket.getOutputStream().write(body, 0, 1_000_000);
                socket.getOutputStream().flush();
                socket.setSoLinger(true, 0); // a reset: the connection is lost, not finished
            }
            assertThat(client.reply()).startsWith("426");
            assertThat(sink.recorded).as("a cut upload is never recorded").isEmpty();
            String size = client.send("SIZE resume.bin");
            assertThat(size).startsWith("213 ");
            long have = Long.parseLong(size.substring(4).trim());
            assertThat(have).isBetween(1L, 1_000_000L);
            try (Socket socket = new Socket(java.net.InetAddress.getLoopbackAddress(), client.passive())) {
                assertThat(client.send("REST " + have)).startsWith("350"); // REST right before its STOR
                assertThat(client.send("STOR resume.bin")).startsWith("150");
                socket.getOutputStream().write(body, (int) have, body.length - (int) have);
            }
            assertThat(client.reply()).startsWith("226");
        }
        assertThat(data.resolve("spool/cam/resume.bin")).hasBinaryContent(body);
        assertThat(sink.recorded).singleElement().satisfies(f -> assertThat(f.size()).isEqualTo(body.length));
    }

    @Test
    void theQuotaCountsWhatIsStillOwedNotCopiesAlreadyDelivered() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "quota", "quota-pw");
            for (int i = 0; i < 3; i++) {
                try (Socket socket = client.startUpload("q" + i + ".bin")) {
                    socket.getOutputStream().write(random(10_000, i));
                }
                assertThat(client.reply()).startsWith("226");
            }
            sink.recorded.forEach(f -> sink.delivered.add(f.path())); // every upstream has them; kept by retention
            try (Socket socket = client.startUpload("q3.bin")) {
                socket.getOutputStream().write(random(10_000, 3));
            }
            assertThat(client.reply()).as("the delivered copies do not count").startsWith("226");
            try (Socket socket = client.startUpload("q4.bin")) {
                OutputStream out = socket.getOutputStream();
                out.write(random(25_000, 4)); // 10,000 owed + 25,000 passes 30,000
            } catch (IOException refusedMidStream) {
                // the server stops reading once the quota is passed
            }
            assertThat(client.reply()).startsWith("552");
        }
    }

    @Test
    void siteChmodWorksForAnAccountWithTheMLetter() throws Exception {
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "chmod", "chmod-pw");
            try (Socket socket = client.startUpload("m.bin")) {
                socket.getOutputStream().write(random(10, 30));
            }
            assertThat(client.reply()).startsWith("226");
            assertThat(client.send("SITE CHMOD 640 m.bin")).startsWith("200");
            assertThat(client.send("SITE CHMOD 999 m.bin")).startsWith("501");
            assertThat(client.send("SITE CHMOD 640 missing.bin")).startsWith("550");
        }
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "cam", "cam-pw");
            assertThat(client.send("SITE CHMOD 640 x.bin")).as("no M letter").startsWith("550");
        }
    }

    @Test
    void aRestOffsetHoldsUntilTheTransferWhateverComesBetween() throws Exception {
        byte[] body = random(200_000, 40);
        try (RawClient client = new RawClient(server.port())) {
            binary(client, "cam", "cam-pw");
            try (Socket socket = client.startUpload("order.bin")) {
                socket.getOutputStream().write(body, 0, 50_000);
            }
            assertThat(client.reply()).startsWith("226");
            assertThat(client.send("REST 50000")).startsWith("350");
            assertThat(client.send("TYPE I")).startsWith("200");
            assertThat(client.send("NOOP")).startsWith("200");
            try (Socket socket = client.startUpload("order.bin")) { // PASV, then STOR
                socket.getOutputStream().write(body, 50_000, 150_000);
            }
            assertThat(client.reply()).startsWith("226");
            try (Socket socket = client.startUpload("next.bin")) {
                socket.getOutputStream().write(body, 0, 1000);
            }
            assertThat(client.reply()).as("the offset was that transfer's only").startsWith("226");
            assertThat(client.send("RNFR missing.bin")).startsWith("550");
        }
        assertThat(data.resolve("spool/cam/order.bin")).hasBinaryContent(body);
        assertThat(Files.size(data.resolve("spool/cam/next.bin"))).isEqualTo(1000);
    }
}
