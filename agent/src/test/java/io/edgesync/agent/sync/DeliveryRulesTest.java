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

/**
 * Delivery rules ({@code sync.delivery-rules}) against real upstreams (pyftpdlib), with a real ledger: any-of
 * failing over to the backup and back, and 2-of-3 with one upstream dead and one flapping.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DeliveryRulesTest extends LedgerAndSync {
    @TempDir
    Path dir;
    private final List<AgentEvent> events = new CopyOnWriteArrayList<>();

    private static String upstream(String name, int port) {
        return """
                  - {name: %s, url: "ftp://127.0.0.1:%d/in", user: %s, password: %s, workers: 2,
                     connect-timeout: 1s, control-timeout: 3s, data-timeout: 3s}
                """.formatted(name, port, PyFtpd.USER, PyFtpd.PASSWORD);
    }

    private AgentConfig config(String upstreams, String rule) {
        return TestConfigs.load(dir, """
                agent: {id: t, data-dir: "%s"}
                upstreams:
                %s
                sync:
                  retry-initial: 200ms
                  retry-max: 500ms
                  delivery-rules:
                    - %s
                """.formatted(dir.resolve("data"), upstreams, rule));
    }

    private Wired start(AgentConfig config) throws Exception {
        ledger = Ledger.open(config.agent().ledgerFile());
        Wired wired = Wired.of(config, ledger, events::add, Clock.systemUTC());
        sync = wired.sync();
        sync.start();
        return wired;
    }

    private static void upload(Wired wired, AgentConfig config, String path) throws Exception {
        ReceivedFile file = SpoolFiles.write(config, path, 3_000, path.hashCode());
        wired.arrivals().accept(file);
    }

    private List<AgentEvent.FileDelivered> receipts(String path) {
        return events.stream().filter(e -> e instanceof AgentEvent.FileDelivered d && d.path().equals(path))
                .map(e -> (AgentEvent.FileDelivered) e).toList();
    }

    private long owed(String upstream) throws Exception {
        return ledger.reports().backlog(upstream).pending() + ledger.reports().backlog(upstream).parked();
    }

    @Test
    void anyOfFailsOverToTheBackupWhileThePrimaryIsDownAndGoesBackWhenItReturns() throws Exception {
        int primaryPort = PeerProcess.freePort();
        Path primaryRoot = dir.resolve("primary");
        PyFtpd primary = PyFtpd.start(primaryRoot, primaryPort);
        try (PyFtpd backup = PyFtpd.start(dir.resolve("backup"))) {
            AgentConfig config = config(upstream("primary", primaryPort) + upstream("backup", backup.port()),
                    "{name: hq, rule: any-of, upstreams: [primary, backup], failover-after: 2s, failback-after: 1s}");
            Wired wired = start(config);

            upload(wired, config, "cam/before.jpg");
            await().atMost(Duration.ofSeconds(10)).until(() -> !receipts("cam/before.jpg").isEmpty());
            AgentEvent.FileDelivered first = receipts("cam/before.jpg").getFirst();
            assertThat(first.upstream()).isEqualTo("primary");
            assertThat(first.rule()).hasValueSatisfying(r -> {
                assertThat(r.label()).isEqualTo("any-of");
                assertThat(r.rule()).isEqualTo("hq");
                assertThat(r.met()).isTrue();
                assertThat(r.deliveredTo()).containsExactly("primary");
            });
            assertThat(owed("backup")).as("the backup owes nothing while the primary works").isZero();

            primary.close(); // down: nothing listens on its port
            upload(wired, config, "cam/during1.jpg");
            upload(wired, config, "cam/during2.jpg");
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(backup.root().resolve("in/cam/during2.jpg"))
                    && Files.exists(backup.root().resolve("in/cam/during1.jpg")));
            assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(AgentEvent.Failover.class,
                    f -> assertThat(f.failedOver()).isTrue()));
            assertThat(sync.rules().getFirst().failedOver()).containsExactly("primary");
            assertThat(sync.rules().getFirst().serving()).containsExactly("backup");
            await().atMost(Duration.ofSeconds(5)).until(() -> owed("primary") == 0);

            primary = PyFtpd.start(primaryRoot, primaryPort); // back: a probe finds it, then a second of being up
            await().atMost(Duration.ofSeconds(20)).until(() -> sync.rules().getFirst().failedOver().isEmpty());
            assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(AgentEvent.Failover.class,
                    f -> assertThat(f.failedOver()).isFalse()));
            upload(wired, config, "cam/after.jpg");
            await().atMost(Duration.ofSeconds(10)).until(() -> !receipts("cam/after.jpg").isEmpty());
            assertThat(receipts("cam/after.jpg")).extracting(AgentEvent.FileDelivered::upstream).containsExactly("primary");
            assertThat(primaryRoot.resolve("in/cam/during1.jpg")).as("a file the backup took is not sent again")
                    .doesNotExist();
            assertThat(backup.root().resolve("in/cam/after.jpg")).doesNotExist();
            assertThat(backup.root().resolve("in/cam/before.jpg")).doesNotExist();
            await().atMost(Duration.ofSeconds(5)).until(() -> owed("primary") + owed("backup") == 0);
        } finally {
            primary.close();
        }
    }

    @Test
    void twoOfThreeWithOneUpstreamDeadAndOneFlappingDeliversEveryFileTwice() throws Exception {
        int deadPort = PeerProcess.freePort(); // nothing ever listens here
        int flappingPort = PeerProcess.freePort();
        Path flappingRoot = dir.resolve("flapping");
        PyFtpd flapping = PyFtpd.start(flappingRoot, flappingPort);
        try (PyFtpd steady = PyFtpd.start(dir.resolve("steady"))) {
            AgentConfig config = config(upstream("dead", deadPort) + upstream("flapping", flappingPort)
                            + upstream("steady", steady.port()),
                    "{name: sites, rule: k-of, k: 2, upstreams: [dead, flapping, steady], failover-after: 2s,"
                            + " failback-after: 3s}");
            Wired wired = start(config);
            int files = 0;
            for (int cycle = 0; cycle < 5; cycle++) { // up 1.5 s, down 1.5 s, five times, files arriving all along
                for (int i = 0; i < 3; i++) {
                    upload(wired, config, "data/f" + files++ + ".csv");
                    Thread.sleep(500);
                }
                flapping.close();
                for (int i = 0; i < 3; i++) {
                    upload(wired, config, "data/f" + files++ + ".csv");
                    Thread.sleep(500);
                }
                flapping = PyFtpd.start(flappingRoot, flappingPort);
            }
            int total = files;
            await().atMost(Duration.ofSeconds(60)).until(() -> owed("dead") + owed("flapping") + owed("steady") == 0);
            for (int i = 0; i < total; i++) {
                String path = "data/f" + i + ".csv";
                int copies = 0;
                for (Path root : List.of(flappingRoot, steady.root())) {
                    if (Files.exists(root.resolve("in/" + path))) {
                        assertThat(root.resolve("in/" + path)).hasSameBinaryContentAs(
                                config.agent().spoolDir().resolve(path));
                        copies++;
                    }
                }
                assertThat(copies).as(path + " on two of the three sites").isEqualTo(2);
                assertThat(receipts(path)).as(path).anySatisfy(d -> assertThat(d.rule()).hasValueSatisfying(r -> {
                    assertThat(r.label()).isEqualTo("2-of-3");
                    assertThat(r.met()).isTrue();
                }));
            }
            assertThat(sync.rules().getFirst().failedOver()).contains("dead");
            assertThat(ledger.reports().backlog("dead").delivered()).isZero();
        } finally {
            flapping.close();
        }
    }
}
