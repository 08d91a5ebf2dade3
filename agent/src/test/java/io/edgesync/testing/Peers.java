package io.edgesync.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the real peer programs tests use (mosquitto, pyftpdlib, curl, ...). A missing peer fails the test
 * with the command that installs it ({@code src/build/peers}, which the README's test command runs first).
 * A developer who wants the rest to run anyway sets {@code EDGESYNC_PEERS=optional}: such tests are then
 * skipped, and {@code src/build/verify} lists every skipped test in its last lines and exits non-zero.
 */
public final class Peers {
    private Peers() {
    }

    /** The absolute path of {@code binary} (searched in PATH and sbin folders), or the test is skipped/failed. */
    public static Path require(String binary, String debianPackage) {
        for (String dir : searchPath()) {
            Path candidate = Path.of(dir, binary);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        missing(binary + " (Debian package " + debianPackage + ")");
        throw new AssertionError("unreachable");
    }

    /** Debian's python3 with pyftpdlib: the first python3 on PATH may be another interpreter without it. */
    public static Path pyftpdlib() {
        Path python = Path.of("/usr/bin/python3");
        if (Files.isExecutable(python) && Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/pyftpdlib"))) {
            return python;
        }
        missing("pyftpdlib for /usr/bin/python3 (Debian package python3-pyftpdlib)");
        throw new AssertionError("unreachable");
    }

    /** A peer's setup step (a user, a file) is missing: failed, or skipped with EDGESYNC_PEERS=optional. */
    public static void missingSetup(String what) {
        missing(what);
    }

    /** Prometheus's {@code promtool}, unpacked by src/build/peers (only the tool, not the service). */
    public static Path promtool() {
        Path tool = Path.of(System.getenv().getOrDefault("EDGESYNC_PROMTOOL",
                "/opt/edgesync-peers/prometheus/usr/bin/promtool"));
        if (Files.isExecutable(tool)) {
            return tool;
        }
        missing("promtool unpacked at " + tool + " (src/build/peers: apt-get download prometheus; dpkg-deb -x)");
        throw new AssertionError("unreachable");
    }

    /**
     * ProFTPD with mod_digest (offers HASH/XSHA256), unpacked where .ci/run puts it: it conflicts with
     * vsftpd as a package, so src/build/peers extracts it ({@code apt-get download proftpd-core; dpkg-deb -x}).
     */
    public static Path proftpd() {
        Path root = Path.of(System.getenv().getOrDefault("EDGESYNC_PROFTPD_ROOT", "/opt/edgesync-peers/proftpd"));
        if (Files.isExecutable(root.resolve("usr/sbin/proftpd"))) {
            return root;
        }
        missing("ProFTPD unpacked under " + root + " (see .ci/run: apt-get download proftpd-core; dpkg-deb -x)");
        throw new AssertionError("unreachable");
    }

    private static void missing(String what) {
        String message = "PEER MISSING: " + what + " is not installed; `sudo src/build/peers` installs every peer";
        if (!"optional".equalsIgnoreCase(System.getenv("EDGESYNC_PEERS"))) {
            throw new AssertionError(message + " (EDGESYNC_PEERS=optional skips such tests instead)");
        }
        System.getLogger(Peers.class.getName()).log(System.Logger.Level.WARNING, message + " -- TEST SKIPPED");
        Assumptions.abort(message);
    }

    private static String[] searchPath() {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        return path.split(":");
    }
}
