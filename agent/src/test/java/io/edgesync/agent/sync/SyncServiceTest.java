package io.edgesync.agent.sync;

import io.edgesync.agent.TestConfigs;
import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sync loop with a real ledger and a real upstream server that comes and goes. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SyncServiceTest extends LedgerAndSync {
    @TempDir
    Path dir;
    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();
    private io.edgesync.agent.spool.Arrivals arrivals;

    private AgentConfig config(int upstreamPort) {
        return TestConfigs.load(dir, """
                agent: {id: t, data-dir: "%s"}
                upstreams:
                  - {name: hq, url: "ftp://127.0.0.1:%d/in", user: %s, password: %s, workers: 2,
                     connect-timeout: 2s, control-timeout: 5s, data-timeout: 5s}
                sync: {retry-initial: 200ms, retry-max: 1s}
                """.formatted(dir.resolve("data"), upstreamPort, PyFtpd.USER, PyFtpd.PASSWORD));
    }

    private ReceivedFile spoolFile(AgentConfig config, String path, int size) throws Exception {
        return SpoolFiles.write(config, path, size, size);
    }

    @Test
    void aNewFileIsDeliveredAtOnceWithoutPolling() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            AgentConfig config = config(upstream.port());
            ledger = Ledger.open(config.agent().ledgerFile());
            Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();

            arrivals.accept(spoolFile(config, "cam/a.bin", 5000));

            Path arrived = upstream.root().resolve("in/cam/a.bin");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(arrived));
            assertThat(arrived).hasSameBinaryContentAs(config.agent().spoolDir().resolve("cam/a.bin"));
            await().atMost(Duration.ofSeconds(5)).until(() -> ledger.reports().backlog("hq").delivered() == 1);
            // the ledger's count can be read a moment before the worker has told the state and the event
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(events).hasAtLeastOneElementOfType(AgentEvent.FileReceived.class)
                        .hasAtLeastOneElementOfType(AgentEvent.FileDelivered.class);
                assertThat(sync.status().getFirst().state()).isEqualTo("up");
            });
        }
    }

    @Test
    void filesWaitWhileTheUpstreamIsDownAndAllArriveWhenItReturns() throws Exception {
        int port = PeerProcess.freePort();
        AgentConfig config = config(port);
        ledger = Ledger.open(config.agent().ledgerFile());
        for (int i = 0; i < 20; i++) { // owed before the workers start: the count below is of backoff steps only
            ledger.intake().recordReceived(spoolFile(config, "cam/f" + i + ".bin", 1000 + i), List.of("hq"));
        }
        Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
        sync = wired.sync();
        arrivals = wired.arrivals();
        sync.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.status().getFirst().state().equals("down"));
        assertThat(ledger.reports().backlog("hq").pending()).isEqualTo(20);
        assertThat(events).hasAtLeastOneElementOfType(AgentEvent.DeliveryFailed.class);
        long failedAttempts = events.stream().filter(e -> e instanceof AgentEvent.DeliveryFailed).count();
        assertThat(failedAttempts).as("a dead upstream costs one attempt per backoff step, not one per file")
                .isLessThan(20);

        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"), port)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.reports().backlog("hq").pending() == 0);
            try (var files = Files.list(upstream.root().resolve("in/cam"))) {
                assertThat(files.map(p -> p.getFileName().toString())).hasSize(20)
                        .allSatisfy(n -> assertThat(n).matches("f\\d+\\.bin"));
            }
            assertThat(sync.status().getFirst().state()).isEqualTo("up");
        }
    }

    @Test
    void temporariesLeftByWithdrawnDeliveriesAreDeletedUpstreamByTheNextSession() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            AgentConfig config = config(upstream.port());
            ledger = Ledger.open(config.agent().ledgerFile());
            // an earlier attempt left a partial temporary upstream, then the device deleted its file
            ledger.intake().recordReceived(spoolFile(config, "cam/gone.bin", 100), List.of("hq"));
            var claimed = ledger.deliveries().claimNext("hq", Clock.systemUTC().instant()).orElseThrow();
            String temp = "/in/cam/.edgesync-" + claimed.id() + ".part";
            Path leftover = upstream.root().resolve(temp.substring(1));
            Files.createDirectories(leftover.getParent());
            Files.write(leftover, new byte[40]);
            ledger.deliveries().retryLater(claimed.id(), Clock.systemUTC().instant(), Clock.systemUTC().instant(), "cut",
                    java.util.Optional.of(temp));
            ledger.intake().withdraw("cam/gone.bin", Clock.systemUTC().instant());
            assertThat(ledger.deliveries().staleTemps("hq", 10)).hasSize(1);

            Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();
            arrivals.accept(spoolFile(config, "cam/next.bin", 200)); // opens a session to hq

            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(upstream.root().resolve("in/cam/next.bin")));
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(leftover));
            assertThat(ledger.deliveries().staleTemps("hq", 10)).isEmpty();
        }
    }

    /**
     * With large files owed (here from 1 MiB, the resume threshold), one of the two workers stays for the
     * small ones: a camera's pictures are not held behind a backlog of videos. The data connections are
     * blackholed, so what is in flight stays in flight and the status shows it.
     */
    @Test
    void largeFilesLeaveOneWorkerToSmallOnes() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             io.edgesync.testing.FtpFaultProxy proxy = new io.edgesync.testing.FtpFaultProxy(upstream.port())) {
            AgentConfig config = TestConfigs.load(dir, """
                    agent: {id: t, data-dir: "%s"}
                    upstreams:
                      - {name: hq, url: "ftp://127.0.0.1:%d/in", user: %s, password: %s, workers: 2,
                         connect-timeout: 2s, control-timeout: 30s, data-timeout: 30s}
                    sync: {retry-initial: 200ms, retry-max: 1s, resume-threshold: 1MiB}
                    """.formatted(dir.resolve("data"), proxy.port(), PyFtpd.USER, PyFtpd.PASSWORD));
            ledger = Ledger.open(config.agent().ledgerFile());
            for (int i = 0; i < 3; i++) {
                ledger.intake().recordReceived(spoolFile(config, "cam/video" + i + ".mp4", 2 << 20), List.of("hq"));
            }
            ledger.intake().recordReceived(spoolFile(config, "cam/picture.jpg", 4096), List.of("hq"));
            proxy.stallData();
            Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(sync.status().getFirst().transfers()).extracting(UpstreamStatus.TransferProgress::path)
                            .containsExactlyInAnyOrder("cam/video0.mp4", "cam/picture.jpg"));
            proxy.heal();
        }
    }
    /**
     * A transfer longer than 5 s tells its progress (every 5 s), as fleet dashboards show it: here 48 MiB over
     * an uplink of 6 MiB/s. The bytes are those written to the data connection.
     */
    @Test
    void aLongTransferReportsItsProgressAtMostEveryFiveSeconds() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             io.edgesync.testing.FtpFaultProxy proxy = new io.edgesync.testing.FtpFaultProxy(upstream.port())) {
            proxy.throttleUploads(6L << 20);
            AgentConfig config = config(proxy.port());
            ledger = Ledger.open(config.agent().ledgerFile());
            Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();
            long size = 48L << 20;
            long start = System.nanoTime();
            arrivals.accept(spoolFile(config, "cam/video.mp4", (int) size));

            await().atMost(Duration.ofSeconds(60)).until(() -> ledger.reports().backlog("hq").delivered() == 1);
            double seconds = (System.nanoTime() - start) / 1e9;
            List<AgentEvent.Progress> progress = events.stream().filter(e -> e instanceof AgentEvent.Progress)
                    .map(e -> (AgentEvent.Progress) e).toList();
            assertThat(progress).as("progress during %.1f s", seconds).isNotEmpty()
                    .hasSizeLessThanOrEqualTo((int) (seconds / 5) + 1)
                    .allSatisfy(p -> {
                        assertThat(p.path()).isEqualTo("cam/video.mp4");
                        assertThat(p.upstream()).isEqualTo("hq");
                        assertThat(p.bytesTotal()).isEqualTo(size);
                        assertThat(p.bytesDone()).isPositive().isLessThanOrEqualTo(size);
                        assertThat(p.bytesPerSecond()).as("6 MiB/s, plus what the sockets buffered")
                                .isBetween(2L << 20, 24L << 20);
                    });
            assertThat(events.indexOf(progress.getLast()))
                    .isLessThan(events.indexOf(events.stream().filter(e -> e instanceof AgentEvent.FileDelivered)
                            .findFirst().orElseThrow()));
            assertThat(upstream.root().resolve("in/cam/video.mp4"))
                    .hasSameBinaryContentAs(config.agent().spoolDir().resolve("cam/video.mp4"));
        }
    }

    /**
     * Files that arrive while the upstream backs off do not wake its workers: they would only find it still
     * blocked (4 context switches per upload with 4 workers). Counted by the kernel for the workers' threads.
     */
    @Test
    void filesArrivingDuringABackoffLeaveTheWorkersAsleep() throws Exception {
        AgentConfig config = TestConfigs.load(dir, """
                agent: {id: t, data-dir: "%s"}
                upstreams:
                  - {name: hq, url: "ftp://127.0.0.1:%d/in", user: u, password: p, workers: 4, connect-timeout: 2s}
                sync: {retry-initial: 10m, retry-max: 20m}
                """.formatted(dir.resolve("data"), PeerProcess.freePort()));
        ledger = Ledger.open(config.agent().ledgerFile());
        Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
        sync = wired.sync();
        arrivals = wired.arrivals();
        sync.start();
        arrivals.accept(spoolFile(config, "cam/first.bin", 10));
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.status().getFirst().state().equals("down"));
        awaitWorkersWaiting("sync-hq-", 4);
        long before = workerContextSwitches("sync-hq-");
        for (int i = 0; i < 100; i++) {
            arrivals.accept(spoolFile(config, "cam/f" + i + ".bin", 10));
        }
        awaitWorkersWaiting("sync-hq-", 4);
        long switches = workerContextSwitches("sync-hq-") - before;
        assertThat(switches).as("context switches of the 4 workers while 100 files arrived").isLessThan(40);
        assertThat(ledger.reports().backlog("hq").pending()).isEqualTo(101);
    }

    /** Until all {@code count} threads named {@code prefix}* wait (on a condition, with or without a deadline). */
    private static void awaitWorkersWaiting(String prefix, int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith(prefix)).toList();
            return workers.size() == count && workers.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                    || t.getState() == Thread.State.TIMED_WAITING);
        });
    }

    /** Voluntary and involuntary context switches of this JVM's threads whose name starts with {@code prefix}. */
    private static long workerContextSwitches(String prefix) throws java.io.IOException {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (!Files.readString(task.resolve("comm")).startsWith(prefix)) {
                        continue;
                    }
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (java.io.IOException gone) {
                    if (Files.exists(task)) {
                        throw gone;
                    } // else a thread that ended meanwhile (NoSuchFileException, or ESRCH "No such process")
                }
            }
        }
        assertThat(sum).as("threads named " + prefix + "* found").isPositive();
        return sum;
    }

    @Test
    void aWorkerWaitingForWorkIsNeverStuckAndOneHungOnASilentServerIs() throws Exception {
        // a server that accepts and never greets: the worker waits in its read (control-timeout 5 s)
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            AgentConfig config = config(silent.getLocalPort());
            ledger = Ledger.open(config.agent().ledgerFile());
            Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();
            long farAhead = sync.stuckAfter().plusSeconds(1).toNanos();
            assertThat(sync.stuckWorker(System.nanoTime() + farAhead)).as("idle workers owe no sign of life").isEmpty();

            java.net.Socket held = null;
            try {
                arrivals.accept(spoolFile(config, "cam/a.bin", 5000));
                held = silent.accept(); // a worker is connected and waits for the greeting
                long now = System.nanoTime();
                assertThat(sync.stuckWorker(now)).as("within its deadline").isEmpty();
                assertThat(sync.stuckWorker(now + farAhead)).get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                        .startsWith("sync-hq-").contains("no sign of life");
                assertThat(sync.stuckAfter()).as("2 x (2 s + 5 s + 5 s) + 2 min").isEqualTo(Duration.ofSeconds(144));
            } finally {
                if (held != null) {
                    held.close();
                }
            }
        }
    }
}
