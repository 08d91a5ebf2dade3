package io.edgesync.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the real peer programs tests use (mosquitto, pyftpdlib, curl, ...). On a developer's machine a
 * missing peer skips the test with a loud message; under CI ({@code CI=true}) it fails the run, so a
 * skipped test is never counted as a pass there.
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

    /** A peer's setup step (a user, a file) is missing: skipped, or failed under CI. */
    public static void missingSetup(String what) {
        missing(what);
    }

    /**
     * ProFTPD with mod_digest (offers HASH/XSHA256), unpacked where .ci/run puts it: it conflicts with
     * vsftpd as a package, so CI extracts it ({@code apt-get download proftpd-core; dpkg-deb -x}).
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
        String message = "PEER MISSING: " + what + " is not installed; `apt-get install` it (CI does, see .ci/run)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " -- under CI a missing peer fails the run");
        }
        System.getLogger(Peers.class.getName()).log(System.Logger.Level.WARNING, message + " -- TEST SKIPPED");
        Assumptions.abort(message);
    }

    private static String[] searchPath() {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        return path.split(":");
    }
}
