package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.testing.PeerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a hostile device LAN does to the FTP port, before login and after (issue 15): clients that never read
 * their replies, slow-loris connections, parallel password guessing, passive-port scanners and hoarders,
 * account-name enumeration, permission-free commands, log floods, EPRT with names. Each against the real
 * server, from real sockets, several from other loopback addresses (127.0.0.2 and up).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileClientsTest {
    private static final String HASHED = Password.Pbkdf2.create("hash-pw".toCharArray(), 200_000,
            new SecureRandom()).encoded();

    @TempDir
    Path data;
    private final RecordingSink sink = new RecordingSink();
    private IngestServer server;
    private int passiveFrom;
    private int passiveTo;

    private IngestServer start(int maxConnections, int perIp, int passivePorts, FtpSettings.LoginLimits login)
            throws IOException {
        int passive = PeerProcess.freeRange(passivePorts);
        passiveFrom = passive;
        passiveTo = passive + passivePorts - 1;
        FtpSettings settings = new FtpSettings("127.0.0.1", 0, passive, passive + passivePorts - 1, "", 64,
                maxConnections, perIp, Duration.ofSeconds(30), false, true, List.of("*.tmp"), login, Optional.empty(),
                List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elradfmw"),
                        new FtpSettings.User("drop", Password.parse("drop-pw"), "drop", "w"),
                        new FtpSettings.User("hashed", Password.parse(HASHED), "hashed", "w"),
                        new FtpSettings.User("fenced", Password.parse("fenced-pw"), "fenced", "w",
                                FtpSettings.Limits.NONE, false, List.of("10.99.0.0/16"))));
        server = sink.start(data, settings);
        return server;
    }

    private IngestServer start() throws IOException {
        return start(256, 64, 16, new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** A control connection from {@code from} (a 127.x address), past its greeting. */
    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String line(Socket s) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = s.getInputStream().read(); c >= 0 && c != '\n'; c = s.getInputStream().read()) {
            b.append((char) c);
        }
        return b.toString().strip();
    }

    private void upload(String name, byte[] bytes) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            c.login("cam", "cam-pw");
            assertThat(c.send("TYPE I")).startsWith("200");
            try (Socket d = c.startUpload(name)) {
                d.getOutputStream().write(bytes);
            }
            assertThat(c.reply()).startsWith("226");
        }
    }

    private interface Attack {
        void run() throws Exception;
    }

    /** The WARNING and SEVERE records logged while {@code attack} runs: what the shipped logging.properties shows. */
    private static List<LogRecord> warningsDuring(Attack attack) throws Exception {
        List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                // the shipped logging.properties shows WARNING and up of FtpServer and MINA (its INFO traces every line)
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try {
            attack.run();
        } finally {
            root.removeHandler(capture);
        }
        return List.copyOf(records);
    }

    private static List<String> described(List<LogRecord> records) {
        return records.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList();
    }

    @Test
    void aClientThatNeverReadsItsRepliesIsNoLongerReadAndTheServerGoesOn() throws Exception {
        start();
        long sent = 0;
        boolean closed = false;
        try (SocketChannel flood = SocketChannel.open()) {
            flood.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4096);
            flood.connect(new InetSocketAddress("127.0.0.1", server.port()));
            flood.configureBlocking(false);
            ByteBuffer noops = ByteBuffer.wrap("NOOP\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
            long stalledSince = System.nanoTime();
            // before the fix the server read on for ever, queueing replies until the heap was full
            while (sent < 64L << 20 && System.nanoTime() - stalledSince < TimeUnit.SECONDS.toNanos(3)) {
                if (!noops.hasRemaining()) {
                    noops.rewind();
                }
                int n;
                try {
                    n = flood.write(noops);
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                if (n > 0) {
                    sent += n;
                    stalledSince = System.nanoTime();
                } else {
                    Thread.sleep(5);
                }
            }
        }
        assertThat(sent).as("bytes the server took from a client that reads nothing (closed: %s)", closed)
                .isLessThan(16L << 20);
        upload("after-flood.bin", new byte[1000]);
    }

    @Test
    void slowLorisConnectionsNeitherLockOutADeviceNorStayPastTheLoginTimeout() throws Exception {
        start(64, 64, 16, new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(3)));
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) { // 64 idle from 4 addresses: every slot of max-connections
                try {
                    idle.add(connect("127.0.0." + (2 + i % 4)));
                } catch (IOException refused) {
                    // refused once an address holds its share: what the limit is for
                }
            }
            // a device from another address gets in and uploads, at once
            upload("device.bin", new byte[5000]);
            assertThat(Files.size(data.resolve("spool/cam/device.bin"))).isEqualTo(5000);
            // and the idle ones are told and closed once the login timeout has passed
            Socket first = idle.getFirst();
            first.setSoTimeout(8_000);
            StringBuilder seen = new StringBuilder();
            for (String l = line(first); !l.isEmpty(); l = line(first)) {
                seen.append(l).append('\n');
            }
            assertThat(seen.toString()).contains("421");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void parallelGuessesFromOneAddressGetNoMoreChecksThanTheLimit() throws Exception {
        start(256, 64, 16, new FtpSettings.LoginLimits(5, Duration.ZERO, Duration.ofMinutes(5)));
        int guessers = 30;
        ExecutorService pool = Executors.newFixedThreadPool(guessers);
        List<Future<String>> replies = new ArrayList<>();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < guessers; i++) { // the address's share of connections not logged in get this far
                Socket s = connect("127.0.0.7");
                sockets.add(s);
                if (line(s).startsWith("220")) {
                    s.getOutputStream().write("USER cam\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(line(s)).startsWith("331");
                }
            }
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < guessers; i++) {
                Socket s = sockets.get(i);
                int n = i;
                replies.add(pool.submit(() -> {
                    go.await();
                    try {
                        s.getOutputStream().write(("PASS guess" + n + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        return line(s);
                    } catch (IOException refusedBeforeTheGreeting) {
                        return "(closed)";
                    }
                }));
            }
            go.countDown();
            int checked = 0;
            for (Future<String> f : replies) {
                String reply = f.get(30, TimeUnit.SECONDS);
                if (reply.contains("Authentication failed")) {
                    checked++;
                } else {
                    assertThat(reply).matches("421.*|530 Login refused.*|\\(closed\\)|");
                }
            }
            assertThat(checked).as("passwords checked of %d guessed at once (limit 5)", guessers).isLessThanOrEqualTo(5);
            // the ban holds, for the right password too
            try (Socket s = connect("127.0.0.7")) {
                line(s);
                s.getOutputStream().write("USER cam\r\nPASS cam-pw\r\n".getBytes(StandardCharsets.US_ASCII));
                line(s);
                assertThat(line(s)).startsWith("421");
            }
        } finally {
            pool.shutdownNow();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void aPortScannerOnThePassivePortsBreaksNoUpload() throws Exception {
        start();
        int from = passiveFrom;
        int to = passiveTo;
        AtomicBoolean scanning = new AtomicBoolean(true);
        AtomicInteger probes = new AtomicInteger();
        Thread scanner = Thread.ofPlatform().start(() -> {
            while (scanning.get()) {
                for (int port = from; port <= to && scanning.get(); port++) {
                    try (Socket probe = new Socket()) {
                        probe.bind(new InetSocketAddress("127.0.0.9", 0));
                        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        probes.incrementAndGet();
                    } catch (IOException closedPort) {
                        // most ports are closed most of the time
                    }
                }
            }
        });
        try {
            for (int i = 0; i < 15; i++) {
                upload("scanned-" + i + ".bin", new byte[200_000]);
            }
        } finally {
            scanning.set(false);
            scanner.join(5_000);
        }
        assertThat(sink.recorded).hasSize(15);
        assertThat(probes.get()).as("connections the scanner made to open passive ports").isPositive();
    }

    @Test
    void oneAddressHoldsAtMostHalfThePassivePortsAndAGoneControlConnectionFreesItsPort() throws Exception {
        start(256, 64, 8, new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1)));
        List<RawClient> hoard = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                RawClient c = new RawClient(server.port());
                hoard.add(c);
                c.login("cam", "cam-pw");
                c.passive();
            }
            RawClient fifth = new RawClient(server.port());
            hoard.add(fifth);
            fifth.login("cam", "cam-pw");
            List<LogRecord> warnings = warningsDuring(() -> {
                for (int i = 0; i < 20; i++) {
                    assertThat(fifth.send("PASV")).startsWith("425");
                }
            });
            // the refusal once (per address and minute), FtpServer's own warning with its stack trace once a minute
            assertThat(warnings).as("warnings for 20 refused PASV: %s", described(warnings)).hasSizeLessThanOrEqualTo(2);
            // another address still gets a port
            try (Socket other = connect("127.0.0.3")) {
                line(other);
                other.getOutputStream().write("USER cam\r\nPASS cam-pw\r\nPASV\r\n".getBytes(StandardCharsets.US_ASCII));
                line(other);
                line(other);
                assertThat(line(other)).startsWith("227");
            }
        } finally {
            for (RawClient c : hoard) {
                c.close();
            }
        }
        // An upload whose control connection goes away mid-transfer gives its port back. Three sessions hold
        // a port each and a fourth (the limit) uploads; the closes above are processed asynchronously, so a
        // PASV is retried in its own session until the server has released them (a refused PASV holds nothing).
        List<RawClient> holders = new ArrayList<>();
        Socket data = null;
        try {
            for (int i = 0; i < 3; i++) {
                RawClient c = new RawClient(server.port());
                holders.add(c);
                c.login("cam", "cam-pw");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(c.send("PASV")).startsWith("227"));
            }
            RawClient cut = new RawClient(server.port());
            cut.login("cam", "cam-pw");
            assertThat(cut.send("TYPE I")).startsWith("200");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cut.send("PASV")).startsWith("227"));
            try (RawClient probe = new RawClient(server.port())) {
                probe.login("cam", "cam-pw");
                assertThat(probe.send("PASV")).as("a fifth port for this address").startsWith("425");
            }
            data = cut.startUpload("cut.bin"); // a new PASV in the same session: closes its old port first
            data.getOutputStream().write(new byte[10_000]);
            cut.socket.close();
            // its port is free again: a new session from this address gets one, while the three still hold theirs
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawClient probe = new RawClient(server.port())) {
                    probe.login("cam", "cam-pw");
                    assertThat(probe.send("PASV")).startsWith("227");
                }
            });
        } finally {
            for (RawClient c : holders) {
                c.close();
            }
            if (data != null) {
                data.close();
            }
        }
        assertThat(sink.recorded).noneMatch(f -> f.path().endsWith("cut.bin"));
    }

    @Test
    void oneAddressHoldsAtMostHalfTheLoginSlots() throws Exception {
        start(); // ftp.max-logins 64
        List<RawClient> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) {
                RawClient c = new RawClient(server.port());
                sessions.add(c);
                c.login("cam", "cam-pw");
            }
            RawClient more = new RawClient(server.port());
            sessions.add(more);
            // FtpServer refuses it at USER already
            assertThat(more.send("USER cam")).as("the 33rd login from one address").startsWith("421");
            try (Socket other = connect("127.0.0.3")) { // another address still logs in
                line(other);
                other.getOutputStream().write("USER cam\r\nPASS cam-pw\r\n".getBytes(StandardCharsets.US_ASCII));
                line(other);
                assertThat(line(other)).startsWith("230");
            }
        } finally {
            for (RawClient c : sessions) {
                c.close();
            }
        }
    }

    @Test
    void everyRefusedLoginHasTheSameReplyAndTheSameCost() throws Exception {
        start(256, 64, 16, new FtpSettings.LoginLimits(1000, Duration.ZERO, Duration.ofSeconds(1)));
        // tls-only needs FTPS configured: the allow list, an unknown name, a plain and a hashed account
        String[][] cases = {{"nobody", "x"}, {"drop", "wrong"}, {"hashed", "wrong"}, {"fenced", "fenced-pw"}};
        List<String> texts = new ArrayList<>();
        List<Long> medians = new ArrayList<>();
        for (String[] c : cases) {
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                try (RawClient client = new RawClient(server.port())) {
                    assertThat(client.send("USER " + c[0])).startsWith("331");
                    long t0 = System.nanoTime();
                    String reply = client.send("PASS " + c[1]);
                    times.add(System.nanoTime() - t0);
                    if (i == 0) {
                        texts.add(reply);
                    }
                }
            }
            Collections.sort(times);
            medians.add(times.get(times.size() / 2));
        }
        assertThat(texts).as("replies of %s", List.of("unknown", "plain", "hashed", "allow-list"))
                .containsOnly("530 Authentication failed.");
        long fastest = Collections.min(medians);
        long slowest = Collections.max(medians);
        assertThat(slowest).as("median PASS times (ns) of unknown, plain, hashed, allow-list: %s", medians)
                .isLessThan(fastest * 3);
    }

    @Test
    void md5NeedsTheReadLetterAndUnclassifiedCommandsAreRefused() throws Exception {
        start();
        upload("secret.bin", new byte[100]);
        try (RawClient drop = new RawClient(server.port())) {
            drop.login("drop", "drop-pw");
            assertThat(drop.send("MD5 /secret.bin")).startsWith("550");
            assertThat(drop.send("MMD5 /secret.bin")).startsWith("550");
            assertThat(drop.send("SITE WHO")).startsWith("502");
        }
        try (RawClient cam = new RawClient(server.port())) {
            cam.login("cam", "cam-pw");
            assertThat(cam.send("MD5 /secret.bin")).startsWith("251");
        }
    }

    @Test
    void anOverlongLineIsAnsweredAndLoggedOncePerAddress() throws Exception {
        start();
        List<LogRecord> records = warningsDuring(() -> {
            for (int i = 0; i < 5; i++) {
                try (RawClient c = new RawClient(server.port())) {
                    assertThat(c.send("USER " + "x".repeat(4000))).startsWith("500");
                    assertThat(c.send("USER cam")).startsWith("331"); // the session goes on
                    assertThat(c.send(new byte[]{'U', 'S', 'E', 'R', ' ', (byte) 0xC3, (byte) 0x28, '\r', '\n'}))
                            .startsWith("501");
                }
            }
        });
        assertThat(records).as("log lines of 5 connections with overlong and broken lines: %s",
                described(records)).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void eprtAndPortTakeNumericAddressesOnly() throws Exception {
        start();
        try (RawClient c = new RawClient(server.port())) {
            c.login("cam", "cam-pw");
            assertThat(c.send("EPRT |1|localhost|40000|")).startsWith("501");
            assertThat(c.send("EPRT |2|example.invalid|40000|")).startsWith("501");
            assertThat(c.send("PORT 999,0,0,1,156,64")).startsWith("501");
            assertThat(c.send("EPRT |1|127.0.0.1|40000|")).startsWith("200");
        }
    }
}
