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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * G6: the upstream stops in the middle of a stream of uploads and comes back later: ingest never stops,
 * the backlog lives on disk (heap stays flat), and it drains oldest first with bounded parallelism.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OutageIT {
    private static final int FILES = 400;
    private static final Pattern DELIVERED = Pattern.compile("delivered cams/cam/s(\\d+)\\.bin to hq");
    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"} ([0-9.E]+)");

    @TempDir
    Path dir;

    @Test
    void anUpstreamStoppedMidStreamGetsEverythingOldestFirstWhenItReturns() throws Exception {
        Path vsftpdDir = dir.resolve("vsftpd");
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        Vsftpd upstream = Vsftpd.start(vsftpdDir);
        int upstreamPort = upstream.port();
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                AgentProcess.upstream("hq", upstreamPort, Vsftpd.USER, Vsftpd.PASSWORD), "broker: \"\"");
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
            for (int i = 0; i < FILES; i++) {
                if (i == 40) {
                    upstream.stop(); // the WAN goes away mid-stream
                }
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "s" + i + ".bin",
                        Devices.randomBytes(4096, i))).as("ingest goes on during the outage").isEqualTo(226);
            }
            double heapWithBacklog = heapUsed(agent);
            assertThat(agent.get("/metrics").body()).containsPattern("edgesync_backlog_files\\{upstream=\"hq\"} [1-9]");

            Vsftpd back = Vsftpd.start(dir.resolve("vsftpd2"), upstreamPort);
            try (back) {
                await().atMost(Duration.ofSeconds(90)).until(() -> agent.get("/metrics").body()
                        .contains("edgesync_backlog_files{upstream=\"hq\"} 0.0"));
                // final names only: a transfer cut by the outage leaves its temporary on the first run's disk
                long arrived = finalNames(back.root().resolve("in/cams/cam"))
                        + finalNames(vsftpdDir.resolve("root/in/cams/cam"));
                assertThat(arrived).as("every file reached one of the two runs of the upstream").isEqualTo(FILES);
            }
            List<Integer> order = new ArrayList<>();
            Matcher m = DELIVERED.matcher(agent.log());
            while (m.find()) {
                order.add(Integer.parseInt(m.group(1)));
            }
            assertThat(order).hasSize(FILES);
            // files uploaded well into the outage (around the stop, an attempt cut mid-transfer backs off on its own)
            List<Integer> drained = order.stream().filter(i -> i >= 60).toList();
            int maxDisplacement = 0;
            List<Integer> sorted = drained.stream().sorted().toList();
            for (int i = 0; i < drained.size(); i++) {
                maxDisplacement = Math.max(maxDisplacement, Math.abs(sorted.indexOf(drained.get(i)) - i));
            }
            System.out.printf("outage: %d files, backlog drained with max displacement %d from oldest-first;"
                    + " heap used with the backlog %.1f MiB%n", FILES, maxDisplacement, heapWithBacklog / (1 << 20));
            assertThat(maxDisplacement).as("oldest first, give or take the parallel workers").isLessThanOrEqualTo(8);
        }
    }

    private static double heapUsed(AgentProcess agent) throws Exception {
        Matcher m = HEAP.matcher(agent.get("/metrics").body());
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static long finalNames(Path folder) throws java.io.IOException {
        try (var files = Files.list(folder)) {
            return files.filter(f -> !f.getFileName().toString().startsWith(".edgesync-")).count();
        }
    }
}
