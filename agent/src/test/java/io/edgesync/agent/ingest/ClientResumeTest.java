package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real clients continue a 100 MB upload whose first attempt died with its process (SIGKILL, mid-upload): the
 * agent kept the received bytes privately, SIZE tells the client where to go on, and the client sends only
 * the rest. Only the completed upload is recorded, whole.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientResumeTest {
    private static final int SIZE = 100 << 20;
    @TempDir
    static Path work;
    private static Path body;
    private static String sha256;
    @TempDir
    Path data;
    private final RecordingSink sink = new RecordingSink();
    private IngestServer server;

    @BeforeAll
    static void makeFile() throws Exception {
        body = work.resolve("video.bin");
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        Random random = new Random(42);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(body)) {
            for (int i = 0; i < SIZE / chunk.length; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
                digest.update(chunk);
            }
        }
        sha256 = HexFormat.of().formatHex(digest.digest());
    }

    @BeforeEach
    void start() throws IOException {
        int passive = PeerProcess.freeRange(16);
        server = sink.start(data, new FtpSettings("127.0.0.1", 0, passive, passive + 15, "", 16, 64, 64,
                Duration.ofSeconds(30), false, false, List.of(),
                new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1)), Optional.empty(),
                List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elradfmw"))));
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private String url() {
        return "ftp://cam:cam-pw@127.0.0.1:" + server.port() + "/video.bin";
    }

    /** Runs {@code first} (throttled), kills it once the agent holds part of the file, and returns that part's length. */
    private long killMidUpload(List<String> first) throws Exception {
        Process upload = new ProcessBuilder(first).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Path incoming = data.resolve("incoming");
        // the upload is under way once a temporary in incoming/ has grown past 10 MB
        await().atMost(Duration.ofSeconds(30)).until(() -> largestTemp(incoming) > (10 << 20));
        upload.destroyForcibly(); // SIGKILL mid-upload: both connections end with a plain FIN
        assertThat(upload.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Path partial = data.resolve("incoming/partial/cam/video.bin");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(partial) && server.sessions().isEmpty());
        assertThat(sink.recorded).as("the cut upload is not recorded").isEmpty();
        long kept = Files.size(partial);
        assertThat(kept).isBetween(10L << 20, (long) SIZE - 1);
        return kept;
    }

    private static long largestTemp(Path incoming) throws IOException {
        try (var files = Files.walk(incoming)) {
            return files.filter(p -> p.toString().endsWith(".part")).mapToLong(p -> p.toFile().length()).max().orElse(0);
        }
    }

    private void assertWholeFileRecordedOnce() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !sink.recorded.isEmpty());
        assertThat(sink.recorded).singleElement().satisfies(f -> {
            assertThat(f.size()).isEqualTo(SIZE);
            assertThat(f.sha256()).isEqualTo(sha256);
        });
        assertThat(data.resolve("spool/cam/video.bin")).hasSameBinaryContentAs(body);
        assertThat(data.resolve("incoming/partial/cam/video.bin")).doesNotExist();
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void curlContinuesWithDashCDash() throws Exception {
        String curl = Peers.require("curl", "curl").toString();
        long kept = killMidUpload(List.of(curl, "-s", "--limit-rate", "20M", "-T", body.toString(), url()));
        String sent = run(List.of(curl, "-s", "-C", "-", "-T", body.toString(), "-w", "%{size_upload}", url()));
        assertThat(Long.parseLong(sent.trim())).as("bytes curl sent the second time").isEqualTo(SIZE - kept);
        assertWholeFileRecordedOnce();
    }

    @Test
    void lftpContinuesWithPutDashC() throws Exception {
        String lftp = Peers.require("lftp", "lftp").toString();
        String open = "set net:max-retries 1; set cmd:fail-exit yes; open -u cam,cam-pw -p " + server.port()
                + " 127.0.0.1; ";
        long kept = killMidUpload(List.of(lftp, "-c", open + "set net:limit-rate 20M; put " + body));
        String transcript = run(List.of(lftp, "-d", "-c", open + "put -c " + body));
        Matcher rest = Pattern.compile("---> REST (\\d+)").matcher(transcript);
        assertThat(rest.find()).as(transcript).isTrue();
        assertThat(Long.parseLong(rest.group(1))).as("where lftp went on").isEqualTo(kept);
        assertWholeFileRecordedOnce();
    }

    @Test
    void ftplibContinuesWithRest() throws Exception {
        String python = Peers.pyftpdlib().toString(); // Debian's python3, which has ftplib
        Path first = work.resolve("first.py");
        Files.writeString(first, """
                import ftplib, sys, time
                ftp = ftplib.FTP(); ftp.connect('127.0.0.1', int(sys.argv[1]), timeout=30); ftp.login('cam', 'cam-pw')
                ftp.voidcmd('TYPE I')
                with open(sys.argv[2], 'rb') as f:
                    conn = ftp.transfercmd('STOR video.bin')
                    while True:
                        chunk = f.read(1 << 20)
                        conn.sendall(chunk)
                        time.sleep(0.05)  # about 20 MB/s: killed on the way
                """);
        Path second = work.resolve("second.py");
        Files.writeString(second, """
                import ftplib, sys
                ftp = ftplib.FTP(); ftp.connect('127.0.0.1', int(sys.argv[1]), timeout=30); ftp.login('cam', 'cam-pw')
                ftp.voidcmd('TYPE I')
                have = ftp.size('video.bin')
                sent = 0
                def count(block):
                    global sent
                    sent += len(block)
                with open(sys.argv[2], 'rb') as f:
                    f.seek(have)
                    print(ftp.storbinary('STOR video.bin', f, rest=have, callback=count))
                print('have', have, 'sent', sent)
                ftp.quit()
                """);
        String port = Integer.toString(server.port());
        long kept = killMidUpload(List.of(python, first.toString(), port, body.toString()));
        String out = run(List.of(python, second.toString(), port, body.toString()));
        assertThat(out).contains("226").contains("have " + kept + " sent " + (SIZE - kept));
        assertWholeFileRecordedOnce();
    }
}
