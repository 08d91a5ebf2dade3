package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.SteppedClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The failed-login throttle and ban per client address, while the agent's wall clock steps (NTP on a board
 * without a real-time clock): a delay is not stretched by a step back, a ban not ended by a step forward.
 */
class LoginGuardTest {
    @TempDir
    Path data;
    private final SteppedClock clock = new SteppedClock();
    private IngestServer server;

    private void start(int maxFailures, Duration delay) throws IOException {
        int passive = PeerProcess.freeRange(4);
        server = new RecordingSink().start(data, new FtpSettings("127.0.0.1", 0, passive, passive + 3, "", 16, 64, 64,
                Duration.ofSeconds(30), false, false, List.of(),
                new FtpSettings.LoginLimits(maxFailures, delay, Duration.ofMinutes(15)), Optional.empty(),
                List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elrw"))), clock);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private String login(String password) throws IOException {
        try (RawClient client = new RawClient(server.port())) {
            assertThat(client.send("USER cam")).startsWith("331");
            return client.send("PASS " + password);
        }
    }

    @Test
    void aWallClockSteppedBackDoesNotStretchTheDelayAfterAFailure() throws Exception {
        start(5, Duration.ofMillis(300));
        assertThat(login("wrong")).startsWith("530");
        clock.step(Duration.ofHours(-1));
        await().atMost(Duration.ofSeconds(3)).until(() -> login("cam-pw").startsWith("230"));
    }

    @Test
    void aWallClockSteppedForwardDoesNotEndABan() throws Exception {
        start(1, Duration.ZERO);
        assertThat(login("wrong")).startsWith("530");
        clock.step(Duration.ofHours(2));
        assertThat(login("cam-pw")).as("still banned").startsWith("421");
    }
}
