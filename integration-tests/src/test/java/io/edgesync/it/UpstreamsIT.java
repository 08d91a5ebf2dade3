package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.ApacheFtpUpstream;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.SelfSigned;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several upstreams: a live Apache FtpServer (which refuses RNTO onto an existing name) and a dead one.
 * The live one gets every file without waiting for the dead one; routing globs pick what goes where. And an
 * FTPS upstream (vsftpd) that demands TLS session reuse on data connections.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UpstreamsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * The packaged agent (its manifest opens what TlsResumption needs, Main turns TLS 1.2 tickets off) to a
     * vsftpd requiring TLS with its defaults: every data connection must resume the control session.
     */
    @Test
    void anFtpsUpstreamThatDemandsSessionReuseGetsEveryFile() throws Exception {
        SelfSigned certificate = SelfSigned.forAddress(Files.createDirectories(dir.resolve("tls")), "127.0.0.1");
        try (Vsftpd upstream = Vsftpd.startTls(dir.resolve("vsftpd"), certificate)) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String upstreams = AgentProcess.upstream("hq", upstream.port(), Vsftpd.USER, Vsftpd.PASSWORD)
                    .replace("url: ftp://", "url: ftps://") + "  ca-file: " + certificate.cert() + "\n";
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http, upstreams, "broker: \"\"");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                for (int i = 0; i < 5; i++) {
                    byte[] body = Devices.randomBytes(50_000 + i, i);
                    assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "s" + i + ".bin", body)).isEqualTo(226);
                    Path arrived = upstream.root().resolve("in/cams/cam/s" + i + ".bin");
                    await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(arrived));
                    assertThat(arrived).hasBinaryContent(body);
                }
                assertThat(agent.log()).as("every file on its first attempt").doesNotContain("to hq failed")
                        .doesNotContain("cannot resume");
            }
        }
    }

    @Test
    void aDeadUpstreamNeverDelaysALiveOneAndReplacedFilesReplaceUpstream() throws Exception {
        Path root = Files.createDirectories(dir.resolve("apache"));
        int livePort = PeerProcess.freePort();
        // the dead upstream takes connections and never greets: each attempt waits its 10 s timeout
        try (ApacheFtpUpstream live = ApacheFtpUpstream.start(root, livePort);
             java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int deadPort = silent.getLocalPort();
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String upstreams = AgentProcess.upstream("live", livePort, "u", "p")
                    + AgentProcess.upstream("dead", deadPort, "u", "p", "10s")
                    + AgentProcess.upstream("photos", livePort, "u", "p").replace("url: ftp://127.0.0.1:" + livePort + "/in",
                    "url: ftp://127.0.0.1:" + livePort + "/photos\n  include: [\"**/*.jpg\"]\n  exclude: [\"**/f4.jpg\"]");
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http, upstreams, "broker: \"\"");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                // a first file, not timed: the agent's first session and code paths warm up on it
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "warm.csv", new byte[10])).isEqualTo(226);
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(root.resolve("in/cams/cam/warm.csv")));
                List<Long> latenciesMs = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    String name = "f" + i + (i % 2 == 0 ? ".jpg" : ".csv");
                    byte[] body = Devices.randomBytes(10_000 + i, i);
                    assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", name, body)).isEqualTo(226);
                    long start = System.nanoTime();
                    Path arrived = root.resolve("in/cams/cam/" + name);
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                            .until(() -> Files.exists(arrived) && Files.size(arrived) == body.length);
                    latenciesMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
                System.out.println("live upstream latency with a dead one beside it (ms): " + latenciesMs);
                assertThat(latenciesMs).as("no file waits for the dead upstream's 10 s timeouts").allMatch(ms -> ms < 5_000);

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> { // the dead one fails after 10 s
                    JsonNode ups = JSON.readTree(agent.get("/api/v1/status").body()).path("upstreams");
                    assertThat(ups.get(0).path("backlog").asLong()).isZero();
                    assertThat(ups.get(1).path("state").asText()).isEqualTo("down");
                    assertThat(ups.get(1).path("backlog").asLong()).isEqualTo(11);
                    assertThat(ups.get(2).path("delivered").asLong()).as("only *.jpg go to 'photos', not f4.jpg")
                            .isEqualTo(4);
                });
                assertThat(Files.list(root.resolve("photos/cams/cam")).map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("f0.jpg", "f2.jpg", "f6.jpg", "f8.jpg");

                byte[] v2 = Devices.randomBytes(33_333, 99);
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "f0.jpg", v2)).isEqualTo(226);
                // on a server that refuses RNTO onto a name, the name is briefly absent between DELE and RNTO
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                        Files.size(root.resolve("in/cams/cam/f0.jpg")) == v2.length
                                && Files.size(root.resolve("photos/cams/cam/f0.jpg")) == v2.length);
                assertThat(root.resolve("in/cams/cam/f0.jpg")).hasBinaryContent(v2);
                assertThat(root.resolve("photos/cams/cam/f0.jpg")).hasBinaryContent(v2);
                // both upstreams are done with it: no temporary is left behind
                try (var files = Files.walk(root)) {
                    assertThat(files.filter(Files::isRegularFile).map(Path::toString))
                            .noneMatch(p -> p.endsWith(".part"));
                }
            }
        }
    }
}
