package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The same .deb on ARM, 64-bit (arm64) and 32-bit (armhf): a Debian trixie root of that architecture with
 * Debian's Java 21 for it, the package installed in it with apt-get (its maintainer scripts run too), and the
 * agent started in a chroot under qemu-user, as the edgesync user with the unit's JVM flags (SQLite's native
 * library is sqlite-jdbc's for that architecture). The chroot's mount table does not list its own root (no bind mount
 * of the root onto itself): free space must be read without it. One upload is delivered upstream, byte for
 * byte. Prints the start time, RSS (qemu's own memory included) and the JVM's native memory (NMT).
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ArmIT {
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+), committed=(\\d+)");

    @TempDir(cleanup = CleanupMode.NEVER) // a root file system with /proc mounted: removed below
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"arm64", "armhf"})
    void theDebianPackageRunsOnArmAndDeliversAnUpload(String arch) throws Exception {
        Path root = DebianRoot.unpack(arch + "-java", dir.resolve("root"));
        Path proc = root.resolve("proc");
        DebianRoot.run(60, "mount", "-t", "proc", "proc", proc.toString()).orFail("mount /proc");
        try {
            scenario(root, arch);
        } finally {
            DebianRoot.run(60, "umount", "--lazy", proc.toString()).orFail("umount /proc");
            DebianRoot.delete(dir);
        }
    }

    private void scenario(Path root, String arch) throws Exception {
        assertThat(DebianRoot.run(60, "chroot", root.toString(), "dpkg", "--print-architecture").out()).isEqualTo(arch);
        Path deb = DebianRoot.deb();
        Files.copy(deb, root.resolve("var/tmp/" + deb.getFileName()));
        DebianRoot.run(900, "chroot", root.toString(), "/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "apt-get",
                "install", "-y", "/var/tmp/" + deb.getFileName()).orFail("apt-get install (" + arch + ")");
        String[] user = Files.readAllLines(root.resolve("etc/passwd")).stream().filter(l -> l.startsWith("edgesync:"))
                .findFirst().orElseThrow(() -> new AssertionError("postinst made no edgesync user")).split(":");
        String ids = user[2] + ":" + user[3];
        // without systemd nobody makes the StateDirectory: as the README says for other init systems
        Path state = root.resolve("var/lib/edgesync");
        Files.createDirectories(state);
        DebianRoot.run(60, "chown", ids, state.toString()).orFail("chown");

        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        int passive = PeerProcess.freeRange(8);
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"))) {
            Files.writeString(root.resolve("etc/edgesync/edgesync.yaml"),
                    DebianRoot.config(arch + "-it", ftp, passive, http, upstream.port()));
            List<String> flags = new ArrayList<>(unitFlags());
            flags.addAll(List.of("-XX:NativeMemoryTracking=summary", "-XX:+PrintNMTStatistics"));
            Path log = dir.resolve("agent-" + arch + ".log");
            ProcessBuilder start = new ProcessBuilder("chroot", "--userspec=" + ids, root.toString(),
                    "/usr/bin/edgesync-agent", "--config", "/etc/edgesync/edgesync.yaml")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            start.environment().put("JAVA_OPTS", String.join(" ", flags));
            start.environment().put("HOME", "/var/lib/edgesync");
            long started = System.nanoTime();
            Process agent = start.start();
            try {
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    if (!agent.isAlive()) {
                        throw new IllegalStateException("the " + arch + " agent exited " + agent.exitValue() + ":\n"
                                + Files.readString(log));
                    }
                    return live(http);
                });
                double ready = (System.nanoTime() - started) / 1e9;
                assertThat(Files.readString(root.resolve("proc/self/mounts")))
                        .as("the chroot's mount table does not list its root").doesNotContain(" " + root + " ");

                byte[] body = Devices.randomBytes(1 << 20, 64);
                long uploaded = System.nanoTime();
                assertThat(Devices.upload(ftp, "cam", "cam-secret-17", "", arch + ".bin", body)).isEqualTo(226);
                Path delivered = upstream.root().resolve("in/cam/" + arch + ".bin");
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                        assertThat(delivered).exists().hasBinaryContent(body));
                double delivery = (System.nanoTime() - uploaded) / 1e9;
                long rssKiB = rssKiB(agent.pid());

                agent.destroy(); // SIGTERM: a normal stop, which prints the NMT summary
                assertThat(agent.waitFor(3, TimeUnit.MINUTES)).as("stopped after SIGTERM").isTrue();
                String output = Files.readString(log);
                Matcher nmt = NMT_TOTAL.matcher(output);
                assertThat(nmt.find()).as("NMT summary in:\n" + output).isTrue();
                System.out.printf("%s (qemu-user): start to health %.0f s, upload to upstream %.1f s; RSS %d MiB"
                        + " (qemu's own included); NMT committed %d MiB (reserved %d MiB)%n", arch, ready, delivery,
                        rssKiB / 1024, Long.parseLong(nmt.group(2)) >> 20, Long.parseLong(nmt.group(1)) >> 20);
            } finally {
                if (agent.isAlive()) {
                    agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static List<String> unitFlags() throws IOException {
        // the unit's flags as the package installs them: the JIT directives are the installed file
        String unit = Files.readString(AgentProcess.ROOT.resolve("systemd/edgesync-agent.service"));
        Matcher opts = Pattern.compile("(?m)^Environment=\"JAVA_OPTS=([^\"]+)\"$").matcher(unit);
        assertThat(opts.find()).isTrue();
        return List.of(opts.group(1).trim().split("\\s+"));
    }

    private static boolean live(int http) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://[::1]:" + http + "/health/live")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
