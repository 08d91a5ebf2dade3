package io.edgesync.agent.sync;

import io.edgesync.agent.TestConfigs;
import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.ledger.SpoolStamp;
import io.edgesync.testing.FtpFaultProxy;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the status says of an upstream: down only when it cannot be reached; a pause that outlives a restart. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamStateTest extends LedgerAndSync {
    @TempDir
    Path dir;
    private io.edgesync.agent.spool.Arrivals arrivals;

    private AgentConfig config(int port) {
        return TestConfigs.load(dir, """
                agent: {id: t, data-dir: "%s"}
                upstreams:
                  - {name: hq, url: "ftp://127.0.0.1:%d/in", user: %s, password: %s, workers: 1,
                     connect-timeout: 2s, control-timeout: 5s, data-timeout: 5s}
                sync: {retry-initial: 200ms, retry-max: 1s}
                """.formatted(dir.resolve("data"), port, PyFtpd.USER, PyFtpd.PASSWORD));
    }

    private ReceivedFile spoolFile(AgentConfig config, String path) throws Exception {
        Path file = config.agent().spoolDir().resolve(path);
        Files.createDirectories(file.getParent());
        byte[] body = path.getBytes();
        Files.write(file, body);
        return new ReceivedFile(path, body.length, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(body)), Clock.systemUTC().instant(), "cam", "127.0.0.1").withStamp(SpoolStamp.read(file));
    }

    @Test
    void aFileRefusedByAnAnsweringUpstreamIsItsLastErrorButTheUpstreamIsNotDown() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port())) {
            AgentConfig config = config(proxy.port());
            ledger = Ledger.open(config.agent().ledgerFile());
            Wired wired = Wired.of(config, ledger, e -> { }, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();
            proxy.replyToNextStor("553 Could not create file.");
            arrivals.accept(spoolFile(config, "cam/refused.jpg"));
            await().atMost(Duration.ofSeconds(15)).until(() -> ledger.reports().backlog("hq").parked() == 1);
            UpstreamStatus hq = sync.status().getFirst();
            assertThat(hq.lastError()).get().asString().contains("553");
            assertThat(hq.state()).as("it answered: up, whatever one file's fate").isEqualTo("up");

            sync.stop(Duration.ofSeconds(2));
            wired = Wired.of(config, ledger, e -> { }, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();
            UpstreamStatus restarted = sync.status().getFirst();
            assertThat(restarted.state()).as("not met since the restart").isEqualTo("unknown");
            assertThat(restarted.lastError()).as("the parked file's refusal survives a restart").get().asString()
                    .contains("553");
        }
    }

    @Test
    void aPausedUpstreamStaysPausedAfterARestartUntilResumed() throws Exception {
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            AgentConfig config = config(upstream.port());
            ledger = Ledger.open(config.agent().ledgerFile());
            Wired wired = Wired.of(config, ledger, e -> { }, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();
            assertThat(sync.pause(Optional.of("hq"))).containsExactly("hq");
            sync.stop(Duration.ofSeconds(2));
            ledger.close();

            ledger = Ledger.open(config.agent().ledgerFile());
            wired = Wired.of(config, ledger, e -> { }, Clock.systemUTC());
            sync = wired.sync();
            arrivals = wired.arrivals();
            sync.start();
            assertThat(sync.status().getFirst().paused()).as("paused after the restart").isTrue();
            arrivals.accept(spoolFile(config, "cam/waits.jpg"));
            Path delivered = upstream.root().resolve("in/cam/waits.jpg");
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(delivered));
            assertThat(sync.resume(Optional.empty())).containsExactly("hq");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(delivered));
        }
    }
}
