package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.FtpFaultProxy;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Vsftpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Network faults between the packaged agent and a real vsftpd, injected by an FTP-aware proxy: an upload
 * cut or truncated mid-stream (G4 resume), a lost 226 (verify before done), a blackholed data connection (G9).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FaultsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private AgentProcess agent(FtpFaultProxy proxy, String timeout) throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                AgentProcess.upstream("hq", proxy.port(), Vsftpd.USER, Vsftpd.PASSWORD, timeout), "broker: \"\"",
                "sync.resume-threshold: 1MiB");
        return new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true);
    }

    @Test
    void aLargeUploadCutMidStreamResumesWhereItStopped() throws Exception {
        resumesAfter(FtpFaultProxy::cutNextUploadAfter, "cut");
    }

    /**
     * The server got the first part and the end of the stream while the agent sent all of it (a middlebox
     * ending the connection early): the size check catches it and the next attempt goes on from there.
     */
    @Test
    void aLargeUploadTheServerGotOnlyPartOfIsResumedNotResent() throws Exception {
        resumesAfter(FtpFaultProxy::truncateNextUploadAfter, "truncated");
    }

    private void resumesAfter(java.util.function.ObjLongConsumer<FtpFaultProxy> fault, String what) throws Exception {
        try (Vsftpd upstream = Vsftpd.start(dir.resolve("vsftpd"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port());
             AgentProcess agent = agent(proxy, "5s")) {
            int size = 6 << 20;
            long cut = 2 << 20;
            byte[] body = Devices.randomBytes(size, 7);
            fault.accept(proxy, cut);
            assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-secret", "", "big.bin", body)).isEqualTo(226);

            Path arrived = upstream.root().resolve("in/cams/cam/big.bin");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(arrived));
            assertThat(arrived).hasBinaryContent(body);
            assertThat(proxy.faultsFired()).isEqualTo(1);
            System.out.printf("resume: %d bytes file, %s after %d, %d bytes sent in all%n", size, what, cut,
                    proxy.uploadedBytes());
            assertThat(proxy.uploadedBytes()).as("the part already upstream was not sent again")
                    .isLessThan(size + cut / 2);
            assertThat(agent.log()).contains("resumed at byte");
            assertThat(filesUnder(upstream.root())).containsExactly("in/cams/cam/big.bin");
        }
    }

    @Test
    void aLost226IsCheckedAndRetriedAndTheFileIsNeverLost() throws Exception {
        try (Vsftpd upstream = Vsftpd.start(dir.resolve("vsftpd"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port());
             AgentProcess agent = agent(proxy, "5s")) {
            byte[] body = Devices.randomBytes(200_000, 8);
            proxy.loseNext226();
            assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-secret", "", "lost.bin", body)).isEqualTo(226);

            Path arrived = upstream.root().resolve("in/cams/cam/lost.bin");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(arrived));
            assertThat(arrived).hasBinaryContent(body);
            assertThat(proxy.faultsFired()).isEqualTo(1);
            assertThat(filesUnder(upstream.root())).containsExactly("in/cams/cam/lost.bin");
        }
    }

    @Test
    void aBlackholedUpstreamNeverHangsAWorker() throws Exception {
        try (Vsftpd upstream = Vsftpd.start(dir.resolve("vsftpd"));
             FtpFaultProxy proxy = new FtpFaultProxy(upstream.port());
             AgentProcess agent = agent(proxy, "2s")) {
            byte[] body = Devices.randomBytes(300_000, 9);
            proxy.stallData();
            long start = System.nanoTime();
            assertThat(Devices.upload(agent.ftpPort, "cam", "cam-pw-secret", "", "hole.bin", body)).isEqualTo(226);
            // while it hangs, the status shows the transfer in flight with its progress
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                JsonNode transfer = JSON.readTree(agent.get("/api/v1/status").body()).path("upstreams").get(0)
                        .path("transfers").path(0);
                assertThat(transfer.path("path").asText()).isEqualTo("cams/cam/hole.bin");
                assertThat(transfer.path("bytesTotal").asLong()).isEqualTo(300_000);
                assertThat(transfer.path("bytesDone").asLong()).isPositive();
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.log().contains("hole.bin to hq failed"));
            long detected = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            System.out.printf("blackhole detected after %d s (timeouts 2 s)%n", detected);
            assertThat(agent.log()).containsPattern("hole.bin to hq failed \\(attempt 1, (timeout|transfer)\\)");

            proxy.heal();
            Path arrived = upstream.root().resolve("in/cams/cam/hole.bin");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(arrived));
            assertThat(arrived).hasBinaryContent(body);
        }
    }

    private static List<String> filesUnder(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).toList();
        }
    }
}
