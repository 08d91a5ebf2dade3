package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.testing.PeerProcess;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile and broken clients speaking raw to the control socket: each gets a 5xx (or is dropped), the
 * server stays up, and the next client is served normally.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RawControlTest {
    @TempDir
    Path data;
    private final RecordingSink sink = new RecordingSink();
    private final List<ReceivedFile> recorded = sink.recorded;
    private IngestServer server;

    @BeforeEach
    void start() throws IOException {
        int passive = PeerProcess.freeRange(8);
        FtpSettings settings = new FtpSettings("127.0.0.1", 0, passive, passive + 7, "", 64, 256, 200,
                Duration.ofSeconds(5), false, true, List.of("*.tmp"),
                new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1)),
                java.util.Optional.empty(), List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elradfmw")));
        server = sink.start(data, settings);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    /** The server still serves a normal client: login, upload, recorded. */
    private void stillServes() throws IOException {
        stillServes(InetAddress.getLoopbackAddress());
    }

    /** The same from another client address (the connection limits count per address). */
    private void stillServes(InetAddress from) throws IOException {
        FTPClient client = new FTPClient();
        client.setDefaultTimeout(10_000);
        client.connect(InetAddress.getLoopbackAddress(), server.port(), from, 0);
        assertThat(client.login("cam", "cam-pw")).isTrue();
        client.enterLocalPassiveMode();
        client.setPassiveLocalIPAddress(from);
        int before = recorded.size();
        assertThat(client.storeFile("ok-" + before + ".bin", new java.io.ByteArrayInputStream(new byte[100]))).isTrue();
        assertThat(recorded).hasSize(before + 1);
        client.disconnect();
    }

    private static void assertRefusedOrDropped(String reply) {
        assertThat(reply).satisfiesAnyOf(
                r -> assertThat(r).isNull(),
                r -> assertThat(r).matches("^[45]\\d\\d.*"));
    }

    @Test
    void commandsBeforeLoginAndPassWithoutUserAreRefused() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            for (String cmd : List.of("LIST", "RETR x", "STOR x", "CWD /", "DELE x", "MKD x", "SITE SYNC x", "STAT")) {
                assertThat(raw.send(cmd)).as(cmd).startsWith("530");
            }
            assertThat(raw.send("PASS cam-pw")).startsWith("503");
        }
        stillServes();
    }

    @Test
    void featIsAnsweredBeforeLoginAndOffersNoCompression() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            raw.out.write("FEAT\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.out.flush();
            List<String> before = raw.replyLines();
            assertThat(before.getFirst()).startsWith("211-");
            assertThat(before.getLast()).startsWith("211 ");
            assertThat(before).contains(" SIZE", " UTF8").doesNotContain(" MODE Z", " AUTH TLS")
                    .as("no account here may set file times ('T')").doesNotContain(" MFMT");
            assertThat(raw.send("SYST")).as("other commands still need a login").startsWith("530");
            raw.login("cam", "cam-pw");
            raw.out.write("feat\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.out.flush();
            assertThat(raw.replyLines()).as("after login, the same list").isEqualTo(before);
        }
    }

    @Test
    void hugeLinesGarbageAndInvalidUtf8AreRefusedOrDropped() throws Exception {
        byte[] hundredKb = ("USER " + "A".repeat(100_000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] garbage = new byte[4096];
        new Random(1).nextBytes(garbage);
        garbage[garbage.length - 2] = '\r';
        garbage[garbage.length - 1] = '\n';
        byte[] badUtf8 = {'M', 'K', 'D', ' ', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '\r', '\n'};
        for (byte[] input : List.of(hundredKb, garbage, badUtf8, "\r\n".getBytes(), "NOSUCHCOMMAND\r\n".getBytes())) {
            try (RawClient raw = new RawClient(server.port())) {
                assertRefusedOrDropped(raw.send(input));
            }
        }
        stillServes();
    }

    @Test
    void restOffsetsOutOfRangeAreRefusedAndStoreNothing() throws Exception {
        try (RawClient raw = new RawClient(server.port())) {
            assertThat(raw.send("USER cam")).startsWith("331");
            assertThat(raw.send("PASS cam-pw")).startsWith("230");
            assertThat(raw.send("REST -5")).startsWith("5");
            assertThat(raw.send("REST 99999999999999999999999")).startsWith("5");
            assertThat(raw.send("PASV")).startsWith("227");
            assertThat(raw.send("REST 1000")).startsWith("350");
            assertThat(raw.send("STOR none.bin")).as("offset beyond a missing file").startsWith("554");
        }
        assertThat(recorded).isEmpty();
        stillServes();
    }

    @Test
    void fiveThousandConnectionsOpenedAndDroppedLeaveTheServerServing() throws Exception {
        // a listen backlog of 50 (MINA's) made this ~34 s: every overflow costs the client a 1 s SYN retransmit
        long start = System.nanoTime();
        for (int i = 0; i < 5_000; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                s.setSoLinger(i % 2 == 0, 0); // half of them reset, half closed
            }
            if (i % 1_000 == 999) {
                System.out.printf("%d connections in %d ms%n", i + 1, (System.nanoTime() - start) / 1_000_000);
            }
        }
        // another device is served at once; the flooding address, past ftp.max-connections-per-ip while its
        // dropped sessions are being closed, again once they are
        stillServes(InetAddress.getByName("127.0.0.2"));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(this::stillServes);
    }

    @Test
    void aHalfOpenDataConnectionAndASlowClientDoNotStallOthers() throws Exception {
        try (RawClient slow = new RawClient(server.port()); RawClient halfOpen = new RawClient(server.port())) {
            slow.out.write("US".getBytes()); // slow-loris: a command that never ends
            slow.out.flush();
            assertThat(halfOpen.send("USER cam")).startsWith("331");
            assertThat(halfOpen.send("PASS cam-pw")).startsWith("230");
            assertThat(halfOpen.send("PASV")).startsWith("227");
            assertThat(halfOpen.send("STOR never.bin")).as("150 then no data connection").isNotNull();
            stillServes();
        }
        assertThat(recorded).noneMatch(f -> f.path().endsWith("never.bin"));
    }

    @Test
    void anUploadLongerThanTheIdleTimeoutKeepsItsSession() throws Exception {
        // ftp.idle-timeout is 5 s here; the control connection is silent while the data flows for ~7 s
        try (RawClient client = new RawClient(server.port())) {
            client.login("cam", "cam-pw");
            assertThat(client.send("TYPE I")).startsWith("200");
            try (Socket data = client.startUpload("slow.bin")) {
                long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(7);
                int chunks = 0;
                while (System.nanoTime() < until && chunks < 100) {
                    data.getOutputStream().write(new byte[1000]);
                    chunks++;
                    Thread.sleep(250); // a device on a slow link: the pacing is the test, not a wait for a condition
                }
                data.shutdownOutput();
            }
            client.socket.setSoTimeout(15_000);
            String reply = client.in.readLine();
            assertThat(reply).as("the 226 after a transfer longer than the idle timeout").startsWith("226");
            // and the session goes on: no idle event was queued behind the transfer to close it after
            assertThat(client.send("NOOP")).startsWith("200");
        }
        assertThat(recorded).anyMatch(f -> f.path().equals("cam/slow.bin"));
    }

    @Test
    void aRefusedCommandIsLoggedAtInfoOncePerAddressAndMinuteAndRefusedEveryTime() throws Exception {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(PermissionFtplet.class.getName());
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(java.util.logging.Level.ALL);
        java.util.logging.Level before = log.getLevel();
        log.setLevel(java.util.logging.Level.ALL);
        log.addHandler(capture);
        try {
            for (int session = 0; session < 2; session++) {
                try (RawClient raw = new RawClient(server.port())) {
                    assertThat(raw.send("USER cam")).startsWith("331");
                    assertThat(raw.send("PASS cam-pw")).startsWith("230");
                    // lftp mirror's pair after every upload (user 'cam' lacks 'T' and 'M')
                    for (int i = 0; i < 3; i++) {
                        assertThat(raw.send("MFMT 20260101000000 f" + i + ".jpg")).startsWith("550");
                        assertThat(raw.send("SITE CHMOD 644 f" + i + ".jpg")).startsWith("550");
                    }
                }
            }
        } finally {
            log.removeHandler(capture);
            log.setLevel(before);
        }
        List<String> info = records.stream().filter(r -> r.getLevel() == java.util.logging.Level.INFO)
                .map(r -> r.getParameters() == null ? r.getMessage()
                        : java.text.MessageFormat.format(r.getMessage(), r.getParameters())).toList();
        // two sessions from one address: one line per refused command and address a minute, not per session
        assertThat(info).as("one INFO line per refused command and address").hasSize(2);
        assertThat(info).filteredOn(line -> line.startsWith("refused MFMT")).singleElement().asString()
                .contains("needs permission 'T'");
        assertThat(info).filteredOn(line -> line.startsWith("refused SITE")).singleElement().asString()
                .contains("needs permission 'M'");
        assertThat(records).as("the other ten refusals: counted, not logged").hasSize(2);
        stillServes();
    }
}
