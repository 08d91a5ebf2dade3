package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's notifications as systemd's socket receives them: a datagram Unix socket (here Python's, in place
 * of systemd's) named by NOTIFY_SOCKET, the agent a real child JVM speaking through libsystemd's sd_notify.
 * READY=1 comes once the FTP port accepts; STATUS= says the backlog and the upstreams; WATCHDOG=1 comes three
 * times per WATCHDOG_USEC; STOPPING=1 on SIGTERM.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NotifyIT {
    private static final String RECEIVER = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sys.argv[1])
            with open(sys.argv[2], "a") as out:
                print("listening", file=out, flush=True)
                while True:
                    data = s.recv(4096).decode()
                    print(data.replace("\\n", "|"), file=out, flush=True)
            """;

    @TempDir
    Path dir;

    @Test
    void readyStatusWatchdogPingsAndStoppingReachTheNotifySocket() throws Exception {
        Path socket = dir.resolve("notify.sock");
        Path received = dir.resolve("received.txt");
        Process receiver = new ProcessBuilder("/usr/bin/python3", "-c", RECEIVER, socket.toString(), received.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("receiver.log").toFile()).start();
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(received)
                    && Files.readString(received).contains("listening"));
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                    AgentProcess.upstream("hq", upstream.port(), PyFtpd.USER, PyFtpd.PASSWORD), "");
            AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http,
                    Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "900000"));
            try (agent) {
                agent.start(false);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> lines(received).stream().anyMatch(l -> l.startsWith("READY=1")));
                try (Socket device = new Socket("127.0.0.1", ftp)) {
                    assertThat(device.isConnected()).as("the FTP port accepts once READY=1 was sent").isTrue();
                }
                assertThat(lines(received).stream().filter(l -> l.startsWith("READY=1")).findFirst().orElseThrow())
                        .matches("READY=1\\|STATUS=backlog \\d+ files?, \\d/1 upstreams up.*");
                // 900 ms watchdog: a ping every 300 ms
                await().atMost(Duration.ofSeconds(10)).until(() -> count(received, "WATCHDOG=1") >= 6);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a.bin", Devices.randomBytes(1000, 1))).isEqualTo(226);
                await().atMost(Duration.ofSeconds(20)).until(() -> lines(received).contains("STATUS=backlog 0 files, 1/1 upstreams up"));
                agent.stop(); // SIGTERM
            }
            assertThat(lines(received).getLast()).isEqualTo("STOPPING=1|STATUS=stopping");
            assertThat(lines(received)).noneMatch(l -> l.startsWith("STATUS=not alive"));
        } finally {
            receiver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<String> lines(Path file) throws java.io.IOException {
        return Files.readAllLines(file).stream().filter(l -> !l.equals("listening")).toList();
    }

    private static long count(Path file, String line) throws java.io.IOException {
        return lines(file).stream().filter(line::equals).count();
    }
}
