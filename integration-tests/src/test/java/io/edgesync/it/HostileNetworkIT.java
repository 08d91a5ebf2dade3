package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hostile network of issue 15, all at once against one packaged agent (the systemd unit's JVM flags:
 * a 128 MiB heap that exits on OutOfMemoryError): a client that never reads its replies, 256 slow-loris
 * connections from 8 addresses, a scanner on the passive ports from another address, 30 parallel password
 * guessers, a request whose reply would loop and a burst of 2,000 commands over MQTT, while 3 devices upload
 * for 60 s. Every upload must get 226 and arrive upstream byte-identical, the agent's RSS must stay under the
 * unit's {@code MemoryMax}, and the attacks must cost the log fewer than 200 lines. Bounded: every attacker
 * stops at the end of the window, and reconnects are capped.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class HostileNetworkIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "edgesync/it-agent";
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final long MEMORY_MAX = 384L << 20; // systemd/edgesync-agent.service

    @TempDir
    Path dir;

    private final List<Thread> attackers = new ArrayList<>();
    private volatile long end;

    private boolean attacking() {
        return System.nanoTime() - end < 0;
    }

    private void attacker(String name, Runnable body) {
        attackers.add(Thread.ofPlatform().name(name).daemon().start(body));
    }

    private static SocketChannel channel(String from, int port) throws IOException {
        SocketChannel c = SocketChannel.open();
        c.bind(new InetSocketAddress(from, 0));
        c.connect(new InetSocketAddress("127.0.0.1", port));
        return c;
    }

    @Test
    void devicesUploadUnharmedWhileEveryAttackRunsAtOnce() throws Exception {
        Path unit = AgentProcess.ROOT.resolve("systemd/edgesync-agent.service");
        assertThat(Files.readString(unit)).contains("MemoryMax=384M");
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), PyFtpd.USER, PyFtpd.PASSWORD),
                    "broker: " + broker.url());
            Matcher range = Pattern.compile("passive-ports: (\\d+)-(\\d+)").matcher(yaml);
            assertThat(range.find()).isTrue();
            int passiveFrom = Integer.parseInt(range.group(1));
            int passiveTo = Integer.parseInt(range.group(2));
            MqttClient ops = Operator.paho(broker, "ops");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                Operator shell = new Operator(broker.port());
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> shell.request(A + "/cmd/ping", "{}").path("ok").asBoolean());
                long pid = agent.pid();
                int logLinesBefore = agent.log().split("\n").length;
                end = System.nanoTime() + WINDOW.toNanos();

                AtomicLong maxRss = new AtomicLong();
                attacker("rss", () -> {
                    while (attacking()) {
                        maxRss.accumulateAndGet(rss(pid), Math::max);
                        sleep(250);
                    }
                });

                // a client that never reads: NOOPs with a 4 KiB receive window
                AtomicLong flooded = new AtomicLong();
                attacker("flooder", () -> {
                    ByteBuffer noops = ByteBuffer.wrap("NOOP\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
                    for (int connections = 0; attacking() && connections < 50; connections++) {
                        try (SocketChannel c = SocketChannel.open()) {
                            c.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                            c.bind(new InetSocketAddress("127.0.4.1", 0));
                            c.connect(new InetSocketAddress("127.0.0.1", ftp));
                            c.configureBlocking(false);
                            while (attacking()) {
                                if (!noops.hasRemaining()) {
                                    noops.rewind();
                                }
                                int n = c.write(noops);
                                flooded.addAndGet(n);
                                if (n == 0) {
                                    sleep(10);
                                }
                            }
                        } catch (IOException closedByTheAgent) {
                            sleep(100);
                        }
                    }
                });

                // 256 slow-loris connections from 8 addresses, a byte every few seconds, back when closed
                AtomicInteger lorisConnects = new AtomicInteger();
                attacker("slow-loris", () -> {
                    List<SocketChannel> open = new ArrayList<>();
                    try {
                        while (attacking()) {
                            open.removeIf(c -> {
                                try {
                                    int n = c.read(ByteBuffer.allocate(1024));
                                    if (n >= 0) {
                                        c.write(ByteBuffer.wrap(new byte[]{'N'}));
                                        return false;
                                    }
                                } catch (IOException gone) {
                                    // closed by the agent
                                }
                                closeQuietly(c);
                                return true;
                            });
                            while (open.size() < 256 && lorisConnects.get() < 5_000 && attacking()) {
                                try {
                                    SocketChannel c = channel("127.0.1." + (1 + lorisConnects.getAndIncrement() % 8), ftp);
                                    c.configureBlocking(false);
                                    open.add(c);
                                } catch (IOException refused) {
                                    break;
                                }
                            }
                            sleep(3_000);
                        }
                    } finally {
                        open.forEach(HostileNetworkIT::closeQuietly);
                    }
                });

                // a scanner on the passive ports, from another address
                AtomicInteger probes = new AtomicInteger();
                attacker("scanner", () -> {
                    while (attacking()) {
                        for (int port = passiveFrom; port <= passiveTo && attacking(); port++) {
                            try (Socket probe = new Socket()) {
                                probe.bind(new InetSocketAddress("127.0.3.1", 0));
                                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                                probes.incrementAndGet();
                            } catch (IOException closedPort) {
                                // most are closed most of the time
                            }
                        }
                        sleep(20);
                    }
                });

                // 30 parallel password guessers from one address
                AtomicInteger guesses = new AtomicInteger();
                for (int g = 0; g < 30; g++) {
                    int me = g;
                    attacker("guesser-" + g, () -> {
                        for (int i = 0; attacking() && i < 2_000; i++) {
                            try (Socket s = new Socket()) {
                                s.bind(new InetSocketAddress("127.0.2.1", 0));
                                s.connect(new InetSocketAddress("127.0.0.1", ftp), 2_000);
                                s.setSoTimeout(10_000);
                                s.getOutputStream().write(("USER cam\r\nPASS guess-" + me + "-" + i + "\r\n")
                                        .getBytes(StandardCharsets.US_ASCII));
                                s.getInputStream().readNBytes(200);
                                guesses.incrementAndGet();
                            } catch (IOException refused) {
                                // refused or closed: try again
                            }
                            sleep(50);
                        }
                    });
                }

                // MQTT: a request whose reply would loop, and 2,000 commands at once
                AtomicInteger onCommandTopics = new AtomicInteger();
                Set<String> answered = ConcurrentHashMap.newKeySet();
                ops.subscribe(new MqttSubscription[]{new MqttSubscription("edgesync/+/cmd/#", 1),
                                new MqttSubscription("ops/burst", 1)},
                        new IMqttMessageListener[]{(t, m) -> onCommandTopics.incrementAndGet(),
                                (t, m) -> answered.add(JSON.readTree(m.getPayload()).path("id").asText())});
                attacker("mqtt", () -> {
                    try {
                        ops.publish(A + "/cmd/ping", message("{\"id\":\"loop\",\"reply-to\":\"" + A + "/cmd/ping\"}"));
                        for (int i = 0; i < 2_000; i++) {
                            ops.publish(A + "/cmd/status", message("{\"id\":\"b" + i + "\",\"reply-to\":\"ops/burst\"}"));
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                // 3 devices upload for the whole window
                Map<String, byte[]> sent = new ConcurrentHashMap<>();
                List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
                List<Thread> devices = new ArrayList<>();
                for (int d = 0; d < 3; d++) {
                    int device = d;
                    devices.add(Thread.ofPlatform().name("device-" + d).start(() -> {
                        Random random = new Random(device);
                        for (int i = 0; attacking() && i < 20_000; i++) {
                            String name = "dev" + device + "-" + i + ".bin";
                            byte[] body = Devices.randomBytes(20_000 + random.nextInt(300_000), name.hashCode());
                            try {
                                int code = Devices.upload(ftp, "cam", "cam-pw-secret", "", name, body);
                                if (code == 226) {
                                    sent.put("cams/cam/" + name, body);
                                } else {
                                    failures.add(name + ": " + code);
                                }
                            } catch (IOException e) {
                                failures.add(name + ": " + e);
                            }
                        }
                    }));
                }
                for (Thread t : devices) {
                    t.join(WINDOW.plusSeconds(60).toMillis());
                }
                end = System.nanoTime(); // bounded: every attacker stops now
                for (Thread t : attackers) {
                    t.join(30_000);
                }
                String window = agent.log();

                assertThat(failures).as("device uploads without a 226").isEmpty();
                assertThat(sent).as("device uploads in %s", WINDOW).hasSizeGreaterThan(30);
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(sent.keySet())
                        .allMatch(p -> Files.exists(upstream.root().resolve("in").resolve(p))));
                sent.forEach((path, body) -> assertThat(upstream.root().resolve("in").resolve(path)).as(path)
                        .hasBinaryContent(body));
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(answered).as("burst requests answered").hasSize(2_000));
                assertThat(onCommandTopics.get()).as("messages on command topics: the loop request and the burst")
                        .isLessThanOrEqualTo(2_001);
                assertThat(maxRss.get()).as("agent RSS, bytes").isPositive().isLessThan(MEMORY_MAX);
                List<String> attackLines = window.lines().skip(logLinesBefore).toList();
                assertThat(attackLines).as("log lines during the attacks").hasSizeLessThan(200);
                assertThat(agent.pid()).isEqualTo(pid);
                System.out.printf("hostile network: %d uploads, %d MiB RSS at most, %d log lines, flooder sent %d MiB,"
                                + " %d slow-loris connects, %d scanner probes, %d guesses%n", sent.size(),
                        maxRss.get() >> 20, attackLines.size(), flooded.get() >> 20, lorisConnects.get(),
                        probes.get(), guesses.get());
            } finally {
                end = System.nanoTime();
                ops.disconnectForcibly(1_000);
                ops.close(true);
            }
        }
    }

    private static MqttMessage message(String payload) {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(1);
        return m;
    }

    /** VmRSS of a process, in bytes (0 once it is gone). */
    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException gone) {
            return 0;
        }
        return 0;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing
        }
    }
}
