package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Vsftpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * G5: the packaged agent takes uploads from concurrent devices while it delivers to vsftpd, and is killed
 * with SIGKILL at random moments (ingest, fsync, commit, upload, rename all happen all the time), then
 * restarted. Devices send each file again until they see a 226, as real ones do. At the end: exactly the
 * acknowledged files are upstream, byte-identical, under their final names; no temporary is left; the
 * ledger passes {@code PRAGMA integrity_check}.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CrashIT {
    private static final int KILLS = 20;
    private static final int DEVICES = 3;

    @TempDir
    Path dir;

    @Test
    void sigkillAtRandomMomentsLosesNothingAndPublishesNothingPartial() throws Exception {
        Random random = new Random(20261122);
        try (Vsftpd upstream = Vsftpd.start(dir.resolve("vsftpd"))) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), Vsftpd.USER, Vsftpd.PASSWORD), "broker: \"\"",
                    "sync.resume-threshold: 256KiB");
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger refusedOrCut = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> devices = new ArrayList<>();

            AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true);
            for (int d = 0; d < DEVICES; d++) {
                int device = d;
                devices.add(Thread.ofVirtual().start(() -> sendUntilStopped(device, ftp, stop, acknowledged, refusedOrCut)));
            }
            for (int kill = 0; kill < KILLS; kill++) {
                Thread.sleep(200 + random.nextInt(900)); // a random kill point, not a wait for a condition
                agent.kill();
                agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true);
            }
            int beforeLast = acknowledged.size(); // the devices send a few files to the last agent too
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= beforeLast + DEVICES);
            stop.set(true);
            for (Thread device : devices) {
                assertThat(device.join(Duration.ofSeconds(60))).as("device finished its last file").isTrue();
            }

            AgentProcess last = agent;
            try (last) {
                await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.stream()
                        .allMatch(name -> Files.exists(upstream.root().resolve("in/cams/cam/" + name))));
                await().atMost(Duration.ofSeconds(30)).until(() -> JsonFacts.drained(last.get("/api/v1/status").body()));
                Set<String> upstreamFiles = filesUnder(upstream.root().resolve("in/cams/cam"));
                Path quarantine = dir.resolve("data/quarantine");
                int quarantined = Files.isDirectory(quarantine) ? filesUnder(quarantine).size() : 0;
                long recoveries = last.log().lines().filter(l -> l.contains("were in flight when the agent last stopped"))
                        .count();
                System.out.printf("crash test: %d kill points, %d uploads acknowledged, %d delivered, %d device attempts"
                                + " cut or refused, %d never-acknowledged files quarantined, %d restarts found deliveries"
                                + " in flight%n", KILLS, acknowledged.size(), upstreamFiles.size(), refusedOrCut.get(),
                        quarantined, recoveries);
                assertThat(upstreamFiles).as("exactly the acknowledged files, no temporary")
                        .containsExactlyInAnyOrderElementsOf(acknowledged);
                for (String name : acknowledged) {
                    assertThat(upstream.root().resolve("in/cams/cam/" + name)).as(name).hasBinaryContent(body(name));
                }
                assertThat(acknowledged.size()).as("devices made progress across the crashes").isGreaterThan(KILLS / 2);
            }
            assertThat(LedgerFile.integrityCheck(dir.resolve("data/ledger.db"))).isEqualTo("ok");
        }
    }

    /** A device: sends c<device>-<n>.bin, each again until it gets a 226, until told to stop. */
    private static void sendUntilStopped(int device, int ftp, AtomicBoolean stop, Set<String> acknowledged,
                                         AtomicInteger cut) {
        for (int n = 0; n < 10_000 && !stop.get(); n++) {
            String name = "c" + device + "-" + n + ".bin";
            byte[] body = body(name);
            // a device that gave a name up could leave it upstream unacknowledged: it keeps trying (bounded)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline) {
                try {
                    if (Devices.upload(ftp, "cam", "cam-pw-secret", "", name, body) == 226) {
                        acknowledged.add(name);
                        break;
                    }
                } catch (java.io.IOException e) {
                    // the agent was killed mid-upload or is restarting: send it again
                }
                cut.incrementAndGet();
                await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> true);
            }
        }
    }

    /** Each name always has the same content, so a resent file is the same file. */
    private static byte[] body(String name) {
        Random r = new Random(name.hashCode());
        return Devices.randomBytes(1024 + r.nextInt(600 * 1024), name.hashCode());
    }

    private static Set<String> filesUnder(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).collect(Collectors.toSet());
        }
    }
}
