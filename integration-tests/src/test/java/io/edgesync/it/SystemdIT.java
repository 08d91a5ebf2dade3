package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Debian package under a real systemd: a Debian trixie root booted with systemd-nspawn, the .deb installed
 * with apt-get as an admin would, and the unit as shipped (Type=notify, the watchdog, the hardening). Each step
 * is what a Debian admin expects of it: install, configure, start, crash, hang, upgrade with a backlog,
 * downgrade, remove, purge.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class SystemdIT {
    private static final String UNIT = "edgesync-agent";
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for edgesync-agent.service: ([0-9.]+)");

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.NEVER) // a root file system: removed below, with rm
    Path dir;

    @Test
    void theDebianPackageInstallsRunsRestartsUpgradesAndPurgesUnderSystemd() throws Exception {
        try {
            scenario(DebianRoot.unpack("amd64-systemd", dir.resolve("root")));
        } finally {
            DebianRoot.delete(dir);
        }
    }

    private void scenario(Path root) throws Exception {
        Path deb = DebianRoot.deb();
        Path newer = DebianRoot.withHigherVersion(deb, "+it1", dir);
        Files.copy(deb, root.resolve("var/tmp/" + deb.getFileName()));
        Files.copy(newer, root.resolve("var/tmp/" + newer.getFileName()));
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        int passive = PeerProcess.freeRange(8);
        int upstreamPort = PeerProcess.freePort();
        Path upstreamRoot = dir.resolve("upstream");
        PyFtpd upstream = PyFtpd.start(upstreamRoot, upstreamPort);
        try (Container box = Container.boot(root, "edgesync-it")) {
            steps(box, root, deb, newer, upstream, upstreamRoot, upstreamPort, ftp, http, passive);
        } finally {
            upstream.close();
        }
    }

    private void steps(Container box, Path root, Path deb, Path newer, PyFtpd initial, Path upstreamRoot,
                       int upstreamPort, int ftp, int http, int passive) throws Exception {
        PyFtpd upstream = null;
        try {
            // install as an admin does: enabled at once, but the shipped placeholder passwords keep it from starting
            DebianRoot.Result install = box.exec(300, "apt-get", "install", "-y", "/var/tmp/" + deb.getFileName())
                    .orFail("apt-get install");
            assertThat(install.out()).contains("must set its own passwords");
            assertThat(box.exec("systemctl", "is-enabled", UNIT).out()).isEqualTo("enabled");
            assertThat(box.property(UNIT, "ExecMainStatus")).as("exit code of a configuration error").isEqualTo("2");
            assertThat(box.journal(UNIT, "-p", "err")).contains("the shipped placeholder is refused");
            assertThat(box.property(UNIT, "NRestarts")).as("exit 2 is not restarted").isEqualTo("0");
            assertThat(Files.getPosixFilePermissions(root.resolve("etc/edgesync/edgesync.yaml")))
                    .as("the configuration holds passwords").noneMatch(p -> p.name().startsWith("OTHERS"));

            String security = box.exec("systemd-analyze", "security", UNIT).out();
            Matcher exposure = EXPOSURE.matcher(security);
            assertThat(exposure.find()).as(security).isTrue();
            double score = Double.parseDouble(exposure.group(1));
            assertThat(score).as("systemd-analyze security exposure").isLessThanOrEqualTo(2.0);

            assertThat(box.property(UNIT, "WatchdogUSec")).as("the shipped watchdog").isEqualTo("1min");
            // the test waits out a watchdog timeout below: a drop-in, as an admin would write one, shortens it
            Path dropIn = root.resolve("etc/systemd/system/edgesync-agent.service.d/watchdog.conf");
            Files.createDirectories(dropIn.getParent());
            Files.writeString(dropIn, "[Service]\nWatchdogSec=15s\n");
            box.exec("systemctl", "daemon-reload").orFail("daemon-reload");

            // configured and started: systemctl returns once the agent said READY=1
            String config = DebianRoot.config("board-it", ftp, passive, http, upstreamPort);
            Files.writeString(root.resolve("etc/edgesync/edgesync.yaml"), config);
            long before = System.nanoTime();
            box.exec("systemctl", "restart", UNIT).orFail("systemctl restart");
            double startSeconds = (System.nanoTime() - before) / 1e9;
            assertThat(box.property(UNIT, "ActiveState")).isEqualTo("active");
            assertThat(box.property(UNIT, "StatusText")).contains("backlog").contains("upstreams up");
            // IPv6 under the sandbox (ProcSubset=pid hid /proc/net/if_inet6, and the JDK then had no IPv6)
            HttpResponse<Void> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://[::1]:" + http + "/health/live")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(live.statusCode()).isEqualTo(200);

            byte[] first = Devices.randomBytes(2 << 20, 1);
            assertThat(Devices.upload(ftp, "cam", "cam-secret-17", "", "first.bin", first)).isEqualTo(226);
            awaitDelivered(upstreamRoot.resolve("in/cam/first.bin"), first);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(box.property(UNIT, "StatusText")).startsWith("backlog 0 files, 1/1 upstreams up"));

            // journald has each line's priority: warnings and errors only with -p warning
            String warnings = box.journal(UNIT, "-p", "warning");
            assertThat(warnings).contains("is plain text").doesNotContain("started as agent");
            assertThat(box.journal(UNIT, "-p", "info")).contains("started as agent");
            assertThat(box.exec("journalctl", "--no-pager", "-u", UNIT, "-o", "json", "-g", "is plain text").out())
                    .contains("\"PRIORITY\":\"4\"");

            // kill -9: systemd starts it again
            long killed = mainPid(box);
            box.exec("kill", "-9", Long.toString(killed)).orFail("kill -9");
            long afterKill = awaitNewMainPid(box, killed, Duration.ofSeconds(60));
            assertThat(box.property(UNIT, "NRestarts")).isEqualTo("1");

            // a frozen JVM stops pinging the watchdog: systemd kills it and starts it again within WatchdogSec
            String watchdogSec = box.property(UNIT, "WatchdogUSec");
            long stopped = System.nanoTime();
            box.exec("kill", "-STOP", Long.toString(afterKill)).orFail("kill -STOP");
            awaitNewMainPid(box, afterKill, Duration.ofSeconds(90));
            double watchdogSeconds = (System.nanoTime() - stopped) / 1e9;
            assertThat(box.journal(UNIT)).contains("Watchdog timeout");
            assertThat(watchdogSec).isEqualTo("15s");
            assertThat(watchdogSeconds).as("restart after SIGSTOP: WatchdogSec, RestartSec 5 s and a start")
                    .isLessThanOrEqualTo(15 + 5 + 20);

            // an upgrade while files are owed: nothing lost, configuration kept, the agent started again
            initial.close();
            for (int i = 0; i < 20; i++) {
                assertThat(Devices.upload(ftp, "cam", "cam-secret-17", "", "owed" + i + ".bin",
                        Devices.randomBytes(64 << 10, 100 + i))).isEqualTo(226);
            }
            long beforeUpgrade = mainPid(box);
            box.exec(300, "apt-get", "install", "-y", "/var/tmp/" + newer.getFileName()).orFail("apt-get upgrade");
            assertThat(box.exec("dpkg-query", "-W", "-f", "${Version}", "edgesync").out())
                    .isEqualTo(DebianRoot.version(newer));
            assertThat(Files.readString(root.resolve("etc/edgesync/edgesync.yaml"))).isEqualTo(config);
            awaitNewMainPid(box, beforeUpgrade, Duration.ofSeconds(60));
            upstream = PyFtpd.start(upstreamRoot, upstreamPort);
            for (int i = 0; i < 20; i++) {
                awaitDelivered(upstreamRoot.resolve("in/cam/owed" + i + ".bin"), Devices.randomBytes(64 << 10, 100 + i));
            }

            // a ledger of a newer edgesync (a downgrade): refused with exit 4, not restarted, not touched
            box.exec("systemctl", "stop", UNIT).orFail("systemctl stop");
            assertThat(box.property(UNIT, "Result")).as("a stop is not a failure (the JVM's 143)").isEqualTo("success");
            assertThat(box.property(UNIT, "ActiveState")).isEqualTo("inactive");
            Path ledger = root.resolve("var/lib/edgesync/ledger.db");
            DebianRoot.run(60, "sqlite3", ledger.toString(), "PRAGMA user_version = 99").orFail("sqlite3");
            byte[] ledgerBytes = Files.readAllBytes(ledger);
            String restarts = box.property(UNIT, "NRestarts");
            assertThat(box.exec("systemctl", "start", UNIT).code()).isNotZero();
            assertThat(box.property(UNIT, "ExecMainStatus")).isEqualTo("4");
            Thread.sleep(7_000); // longer than RestartSec: a restart that must not happen would have happened
            assertThat(box.property(UNIT, "NRestarts")).isEqualTo(restarts);
            assertThat(box.property(UNIT, "ActiveState")).isEqualTo("failed");
            assertThat(Files.readAllBytes(ledger)).as("the newer ledger, untouched").isEqualTo(ledgerBytes);
            assertThat(box.journal(UNIT, "-p", "err")).contains("written by a newer edgesync");

            // remove keeps the configuration and the data; purge removes both
            box.exec(300, "apt-get", "remove", "-y", "edgesync").orFail("apt-get remove");
            assertThat(root.resolve("etc/edgesync/edgesync.yaml")).exists();
            assertThat(root.resolve("var/lib/edgesync/ledger.db")).exists();
            assertThat(root.resolve("usr/share/edgesync")).doesNotExist();
            box.exec(300, "apt-get", "purge", "-y", "edgesync").orFail("apt-get purge");
            assertThat(root.resolve("etc/edgesync")).doesNotExist();
            assertThat(root.resolve("var/lib/edgesync")).doesNotExist();
            assertThat(box.exec("systemctl", "cat", UNIT).code()).isNotZero();

            System.out.printf("systemd: exposure %.1f; start to READY %.1f s; SIGSTOP to new JVM %.0f s (WatchdogSec %s);"
                    + " upgrade with 20 files owed: all delivered%n", score, startSeconds, watchdogSeconds, watchdogSec);
        } catch (AssertionError | RuntimeException e) {
            System.out.println("the agent's journal:\n" + box.journal(UNIT) + "\n" + box.exec("journalctl", "--no-pager",
                    "-n", "50").out());
            throw e;
        } finally {
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    private static long mainPid(Container box) throws Exception {
        return Long.parseLong(box.property(UNIT, "MainPID"));
    }

    /** Waits until the unit runs again (active) under a main PID other than {@code old}; returns it. */
    private static long awaitNewMainPid(Container box, long old, Duration atMost) {
        return await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
            long pid = mainPid(box);
            return pid != old && pid != 0 && box.property(UNIT, "ActiveState").equals("active") ? pid : 0L;
        }, pid -> pid != 0L);
    }

    private static void awaitDelivered(Path file, byte[] body) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(file).exists().hasBinaryContent(body));
    }
}
