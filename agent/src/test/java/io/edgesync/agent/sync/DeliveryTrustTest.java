package io.edgesync.agent.sync;

import io.edgesync.agent.TestConfigs;
import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.ledger.SpoolStamp;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.testing.FtpFaultProxy;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import io.edgesync.testing.SteppedClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A delivery sends the version of the file it was made for, whole, or nothing: files replaced or deleted
 * while their delivery is cut, upstreams that stop reading, a wall clock stepped back. Real upstream
 * (pyftpdlib) behind a fault proxy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeliveryTrustTest extends LedgerAndSync {
    @TempDir
    Path dir;
    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();
    private io.edgesync.agent.spool.Arrivals arrivals;

    private AgentConfig config(int port, String timeouts, String more) {
        return TestConfigs.load(dir, """
                agent: {id: t, data-dir: "%s"}
                upstreams:
                  - {name: hq, url: "ftp://127.0.0.1:%d/in", user: %s, password: %s, workers: 1, %s}
                sync: {retry-initial: 500ms, retry-max: 1s, resume-threshold: 1MiB%s}
                """.formatted(dir.resolve("data"), port, PyFtpd.USER, PyFtpd.PASSWORD, timeouts, more));
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Puts a version of {@code path} into the spool as ingest does (a temporary renamed over it) and records it. */
    private ReceivedFile upload(AgentConfig config, String path, byte[] body) throws Exception {
        Path file = config.agent().spoolDir().resolve(path);
        Files.createDirectories(file.getParent());
        Path temp = Files.write(file.resolveSibling(".incoming-" + System.nanoTime()), body);
        ReceivedFile received = new ReceivedFile(path, body.length,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)),
                Clock.systemUTC().instant(), "cam", "127.0.0.1").withStamp(SpoolStamp.read(temp));
        long id = arrivals.record(received);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        arrivals.published(id, received);
        return received;
    }

    private static List<String> temporaries(Path upstreamDir) throws Exception {
        if (!Files.isDirectory(upstreamDir)) {
            return List.of();
        }
        try (var files = Files.list(upstreamDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".edgesync-")).toList();
        }
    }

    private long transferred(String path) {
        return sync.status().getFirst().transfers().stream().filter(t -> t.path().equals(path))
                .mapToLong(UpstreamStatus.TransferProgress::bytesDone).max().orElse(-1);
    }

    /** The ledger and the sync service on {@code config}, started, reporting to {@link #events}. */
    private void startSync(AgentConfig config) throws Exception {
        startSync(config, Clock.systemUTC());
    }

    private void startSync(AgentConfig config, Clock clock) throws Exception {
        ledger = Ledger.open(config.agent().ledgerFile());
        Wired wired = Wired.of(config, ledger, events::add, clock);
        sync = wired.sync();
        arrivals = wired.arrivals();
        sync.start();
    }

    @Test
    void aFileReplacedWhileItsDeliveryIsCutIsNeverSpliced() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port())) {
            AgentConfig config = config(proxy.port(), "connect-timeout: 2s, control-timeout: 5s, data-timeout: 5s", "");
            startSync(config);
            byte[] v1 = random(12 << 20, 1);
            byte[] v2 = random(12 << 20, 2); // the same size: only the bytes tell the versions apart
            proxy.throttleUploads(2L << 20);
            upload(config, "cam/big.jpg", v1);
            await().atMost(Duration.ofSeconds(30)).until(() -> transferred("cam/big.jpg") > (2 << 20));

            upload(config, "cam/big.jpg", v2); // the device sends the same name again meanwhile
            proxy.dropConnections();           // and the upstream restarts
            proxy.throttleUploads(0);

            Path delivered = upstream.root().resolve("in/cam/big.jpg");
            await().atMost(Duration.ofSeconds(60)).until(() -> ledger.reports().backlog("hq").pending() == 0
                    && Files.exists(delivered));
            // a late attempt of the old version must not come after: v1's retry falls due 0.5-1 s after its failure
            byte[] expected = v2;
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() ->
                    ledger.reports().backlog("hq").pending() == 0 && java.util.Arrays.equals(Files.readAllBytes(delivered), expected));
            assertThat(delivered).as("the last version, whole").hasBinaryContent(v2);
            assertThat(temporaries(upstream.root().resolve("in/cam"))).isEmpty();
        }
    }

    @Test
    void anUpstreamThatStopsReadingFailsTheAttemptWithinTheDataTimeoutAndTheFileGoesOnLater() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port())) {
            AgentConfig config = config(proxy.port(), "connect-timeout: 2s, control-timeout: 10s, data-timeout: 2s", "");
            startSync(config);
            byte[] body = random(48 << 20, 3);
            proxy.stopReadingNextUploadAfter(1 << 20);
            long start = System.nanoTime();
            upload(config, "cam/video.mp4", body);

            await().atMost(Duration.ofSeconds(30)).until(() -> events.stream()
                    .anyMatch(e -> e instanceof AgentEvent.DeliveryFailed f && f.path().equals("cam/video.mp4")));
            double seconds = (System.nanoTime() - start) / 1e9;
            // not never, and not data-timeout plus a QUIT's control-timeout (10 s) either
            assertThat(seconds).as("the blocked write ends by data-timeout (2 s)").isLessThan(8);
            proxy.heal();
            Path delivered = upstream.root().resolve("in/cam/video.mp4");
            await().atMost(Duration.ofSeconds(60)).until(() -> ledger.reports().backlog("hq").delivered() == 1);
            assertThat(delivered).hasBinaryContent(body);
        }
    }

    @Test
    void aFileTheDeviceDeletesWhileItsDeliveryIsCutIsWithdrawnQuietlyWithItsTemporary() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port())) {
            AgentConfig config = config(proxy.port(), "connect-timeout: 2s, control-timeout: 5s, data-timeout: 5s", "");
            startSync(config);
            proxy.throttleUploads(2L << 20);
            upload(config, "cam/gone.mp4", random(12 << 20, 4));
            await().atMost(Duration.ofSeconds(30)).until(() -> transferred("cam/gone.mp4") > (2 << 20));

            Files.delete(config.agent().spoolDir().resolve("cam/gone.mp4")); // the device's DELE
            arrivals.withdraw("cam/gone.mp4");
            proxy.dropConnections();
            proxy.throttleUploads(0);
            upload(config, "cam/next.jpg", random(1000, 5)); // a later session cleans up

            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(upstream.root().resolve("in/cam/next.jpg")));
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reports().backlog("hq").pending() == 0
                    && temporaries(upstream.root().resolve("in/cam")).isEmpty());
            assertThat(events).noneMatch(e -> e instanceof AgentEvent.DeliveryParked);
            assertThat(ledger.reports().backlog("hq").parked()).isZero();
            assertThat(upstream.root().resolve("in/cam/gone.mp4")).doesNotExist();
        }
    }

    @Test
    void aWallClockSteppedBackDoesNotHoldUpARetry() throws Exception {
        int port = PeerProcess.freePort();
        SteppedClock clock = new SteppedClock();
        AgentConfig config = config(port, "connect-timeout: 2s, control-timeout: 5s, data-timeout: 5s", "");
        startSync(config, clock);
        upload(config, "cam/a.jpg", random(1000, 6)); // the upstream is down: it fails and waits to retry
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.status().getFirst().state().equals("down"));

        clock.step(Duration.ofHours(-1)); // NTP on a board without a real-time clock
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), port)) {
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(upstream.root().resolve("in/cam/a.jpg")));
            clock.step(Duration.ofHours(1));
            upload(config, "cam/b.jpg", random(1000, 7));
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(upstream.root().resolve("in/cam/b.jpg")));
        }
    }

    @Test
    void aTransferOfAFewMegabytesTellsItsProgressFromWhatWasWritten() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port())) {
            AgentConfig config = config(proxy.port(), "connect-timeout: 2s, control-timeout: 5s, data-timeout: 5s", "");
            startSync(config);
            proxy.throttleUploads(1L << 20);
            byte[] body = random(7 << 20, 8); // under the 8 MiB that once was the smallest step of progress
            upload(config, "cam/clip.mp4", body);
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reports().backlog("hq").delivered() == 1);
            List<AgentEvent.Progress> progress = events.stream().filter(e -> e instanceof AgentEvent.Progress)
                    .map(e -> (AgentEvent.Progress) e).toList();
            // what was written to the data connection (the socket buffers hold a few MB the server has yet to read)
            assertThat(progress).as("a 7 s transfer").isNotEmpty().allSatisfy(p ->
                    assertThat(p.bytesDone()).isPositive().isLessThanOrEqualTo(body.length));
        }
    }

    @Test
    void aWallClockSteppedForwardDoesNotMakeAFileOlderThanMaxAge() throws Exception {
        int port = PeerProcess.freePort();
        SteppedClock clock = new SteppedClock();
        AgentConfig config = config(port, "connect-timeout: 2s, control-timeout: 5s, data-timeout: 5s",
                ", max-age: 1h");
        startSync(config, clock);
        upload(config, "cam/young.jpg", random(1000, 9)); // the upstream is down: it waits and retries
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.status().getFirst().state().equals("down"));
        clock.step(Duration.ofHours(3)); // NTP sets the clock of a board without a real-time clock
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> ledger.reports().backlog("hq").parked() == 0);
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), port)) {
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(upstream.root().resolve("in/cam/young.jpg")));
        }
        assertThat(events).noneMatch(e -> e instanceof AgentEvent.DeliveryParked);
    }
}
