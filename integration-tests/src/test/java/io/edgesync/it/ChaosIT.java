package io.edgesync.it;

import io.edgesync.testing.FtpFaultProxy;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Everything at once against the packaged agent, in one run: the agent is killed with SIGKILL 20 times at
 * random moments and restarted; 20 curl uploads are killed with SIGKILL at random moments; a device sends
 * ABOR in the middle of its uploads, again and again; a device sends new versions of one large file under the
 * same name; another sends small files; the upstream (pyftpdlib behind a throttle) restarts every few
 * seconds. Devices send each file again until they get a 226, as real ones do. Afterwards: every name that
 * got a 226 is upstream, byte-identical to its last acknowledged version; nothing else is upstream under a
 * final name (a killed curl's name at most whole); no temporary is left; the ledger passes
 * {@code PRAGMA integrity_check}.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ChaosIT {
    private static final int AGENT_KILLS = 20;
    private static final int CLIENT_KILLS = 20;
    private static final String USER = "cam";
    private static final String PASSWORD = "cam-pw-secret";

    @TempDir
    Path dir;

    @Test
    void killsAbortsReplacementsAndRestartsPublishOnlyWholeAcknowledgedVersions() throws Exception {
        Random random = new Random(20261203);
        int upstreamPort = PeerProcess.freePort();
        AtomicReference<PyFtpd> upstream = new AtomicReference<>(PyFtpd.start(dir.resolve("upstream"), upstreamPort));
        Path root = upstream.get().root();
        try (FtpFaultProxy proxy = new FtpFaultProxy(upstreamPort)) {
            proxy.throttleUploads(4L << 20);
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", proxy.port(), PyFtpd.USER, PyFtpd.PASSWORD), "broker: \"\"",
                    "sync.resume-threshold: 512KiB\nsync.retry-initial: 200ms\nsync.retry-max: 1s");
            Map<String, byte[]> acknowledged = new ConcurrentHashMap<>(); // name -> its last acknowledged bytes
            Set<String> killedCurls = ConcurrentHashMap.newKeySet();
            AtomicInteger aborts = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> chaos = new ArrayList<>();

            AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true);
            chaos.add(Thread.ofVirtual().start(() -> smallFiles(ftp, stop, acknowledged)));
            chaos.add(Thread.ofVirtual().start(() -> versionsOfOneName(ftp, stop, acknowledged)));
            chaos.add(Thread.ofVirtual().start(() -> aborts(ftp, stop, aborts)));
            chaos.add(Thread.ofVirtual().start(() -> killedCurls(ftp, killedCurls, acknowledged)));
            chaos.add(Thread.ofVirtual().start(() -> restartUpstream(upstream, upstreamPort, stop)));
            for (int kill = 0; kill < AGENT_KILLS; kill++) {
                Thread.sleep(1000 + random.nextInt(2000)); // a random kill point, not a wait for a condition
                agent.kill();
                agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true);
            }
            stop.set(true);
            for (Thread t : chaos) {
                assertThat(t.join(Duration.ofSeconds(120))).as("chaos thread finished").isTrue();
            }
            proxy.throttleUploads(0);
            if (!upstream.get().alive()) {
                upstream.set(PyFtpd.start(dir.resolve("upstream"), upstreamPort));
            }

            AgentProcess last = agent;
            try (last) {
                Path in = root.resolve("in/cams/cam");
                try {
                    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() ->
                            JsonFacts.drained(last.get("/api/v1/status").body()) && acknowledged.entrySet()
                                    .stream().allMatch(e -> sameContent(in.resolve(e.getKey()), e.getValue())));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    List<String> missing = acknowledged.entrySet().stream()
                            .filter(a -> !sameContent(in.resolve(a.getKey()), a.getValue())).map(Map.Entry::getKey).toList();
                    throw new AssertionError("not delivered as acknowledged: " + missing + "; status: "
                            + last.get("/api/v1/status").body(), e);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> temporaries(root).isEmpty());

                Set<String> upstreamFiles = filesUnder(in);
                assertThat(killedCurls).hasSize(CLIENT_KILLS);
                System.out.printf("chaos test: %d agent kills, %d client kills, %d aborted uploads, %d names"
                                + " acknowledged, %d files upstream%n", AGENT_KILLS, killedCurls.size(), aborts.get(),
                        acknowledged.size(), upstreamFiles.size());
                for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
                    assertThat(in.resolve(e.getKey())).as(e.getKey()).hasBinaryContent(e.getValue());
                }
                for (String name : upstreamFiles) {
                    if (!acknowledged.containsKey(name)) {
                        assertThat(killedCurls).as("upstream but never acknowledged: " + name).contains(name);
                        assertThat(in.resolve(name)).as("a killed curl's file is there whole or not at all")
                                .hasBinaryContent(curlBody(name));
                    }
                }
                assertThat(upstreamFiles).noneMatch(n -> n.startsWith("abor-"));
                assertThat(acknowledged.keySet()).as("devices made progress").anyMatch(n -> n.startsWith("small-"))
                        .contains("big.jpg");
                assertThat(aborts.get()).as("aborts answered").isPositive();
            }
            assertThat(LedgerFile.integrityCheck(dir.resolve("data/ledger.db"))).isEqualTo("ok");
        } finally {
            upstream.get().stop();
        }
    }

    private static boolean sameContent(Path file, byte[] expected) {
        try {
            return Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), expected);
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends {@code body} as {@code name} until a 226 (at most a minute), as a device does. */
    private static boolean sendUntilAcknowledged(int ftp, String name, byte[] body) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (Devices.upload(ftp, USER, PASSWORD, "", name, body) == 226) {
                    return true;
                }
            } catch (IOException e) {
                // the agent was killed mid-upload or is restarting: send it again
            }
            await().pollDelay(Duration.ofMillis(150)).atMost(Duration.ofSeconds(1)).until(() -> true);
        }
        return false;
    }

    private static void smallFiles(int ftp, AtomicBoolean stop, Map<String, byte[]> acknowledged) {
        for (int n = 0; n < 10_000 && !stop.get(); n++) {
            String name = "small-" + n + ".bin";
            byte[] body = Devices.randomBytes(1000 + new Random(n).nextInt(200_000), n);
            if (sendUntilAcknowledged(ftp, name, body)) {
                acknowledged.put(name, body);
            }
        }
    }

    /** New versions of big.jpg (2-6 MiB, the sizes repeating so that same-size versions meet), each until acknowledged. */
    private static void versionsOfOneName(int ftp, AtomicBoolean stop, Map<String, byte[]> acknowledged) {
        for (int v = 0; v < 10_000 && !stop.get(); v++) {
            byte[] body = Devices.randomBytes((2 + v % 3 * 2) << 20, 1000 + v);
            if (sendUntilAcknowledged(ftp, "big.jpg", body)) {
                acknowledged.put("big.jpg", body);
            }
        }
    }

    /** Starts an upload, sends part of it, then ABOR (Telnet IP, Synch, ABOR), again and again. */
    private static void aborts(int ftp, AtomicBoolean stop, AtomicInteger answered) {
        for (int n = 0; n < 10_000 && !stop.get(); n++) {
            try (Socket control = new Socket(InetAddress.getLoopbackAddress(), ftp)) {
                control.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(control.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = control.getOutputStream();
                expect(in, "220");
                send(out, "USER " + USER);
                expect(in, "331");
                send(out, "PASS " + PASSWORD);
                expect(in, "230");
                send(out, "TYPE I");
                expect(in, "200");
                send(out, "PASV");
                String pasv = expect(in, "227");
                String[] p = pasv.substring(pasv.indexOf('(') + 1, pasv.indexOf(')')).split(",");
                try (Socket data = new Socket(InetAddress.getLoopbackAddress(),
                        Integer.parseInt(p[4].trim()) * 256 + Integer.parseInt(p[5].trim()))) {
                    send(out, "STOR abor-" + n + ".bin");
                    expect(in, "150");
                    data.getOutputStream().write(Devices.randomBytes(300_000, n));
                    out.write(new byte[] {(byte) 255, (byte) 244, (byte) 255});
                    out.flush();
                    control.sendUrgentData(242);
                    send(out, "ABOR");
                    expect(in, "426");
                    expect(in, "226");
                    answered.incrementAndGet();
                }
                send(out, "QUIT");
            } catch (IOException | IllegalStateException e) {
                // the agent was killed meanwhile: the next round starts over
            }
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String expect(BufferedReader in, String code) throws IOException {
        String line = in.readLine();
        while (line != null && line.length() > 3 && line.charAt(3) == '-') {
            line = in.readLine();
        }
        if (line == null || !line.startsWith(code)) {
            throw new IllegalStateException("expected " + code + ", got " + line);
        }
        return line;
    }

    /**
     * Curl uploads, each killed with SIGKILL at a random moment (some finish first: then they count as sent),
     * until {@value #CLIENT_KILLS} were killed mid-upload, whether or not the other chaos has ended.
     */
    private static void killedCurls(int ftp, Set<String> killed, Map<String, byte[]> acknowledged) {
        Random random = new Random(7);
        try {
            String curl = Peers.require("curl", "curl").toString();
            // until CLIENT_KILLS uploads were killed while running (a curl that found the agent down is not one)
            for (int i = 0; killed.size() < CLIENT_KILLS && i < 200; i++) {
                String name = "curl-" + i + ".bin";
                Path file = Devices.write(Files.createTempFile("chaos", ".bin"), curlBody(name));
                Process upload = new ProcessBuilder(curl, "-s", "--limit-rate", "1M", "-T", file.toString(),
                        "ftp://" + USER + ":" + PASSWORD + "@127.0.0.1:" + ftp + "/" + name)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                Thread.sleep(200 + random.nextInt(2500)); // the kill point under test
                if (upload.isAlive()) {
                    killed.add(name);
                    upload.destroyForcibly();
                    upload.waitFor(10, TimeUnit.SECONDS);
                } else if (upload.exitValue() == 0) {
                    acknowledged.put(name, curlBody(name));
                }
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] curlBody(String name) {
        return Devices.randomBytes(3 << 20, name.hashCode());
    }

    /** The upstream stops and starts on its port every few seconds (its sessions and transfers cut). */
    private static void restartUpstream(AtomicReference<PyFtpd> upstream, int port, AtomicBoolean stop) {
        Random random = new Random(11);
        try {
            while (!stop.get()) {
                Thread.sleep(3000 + random.nextInt(3000)); // the restart point under test
                upstream.get().stop();
                upstream.set(PyFtpd.start(upstream.get().root(), port));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Path> temporaries(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".edgesync-")).toList();
        }
    }

    private static Set<String> filesUnder(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).collect(Collectors.toSet());
        }
    }
}
