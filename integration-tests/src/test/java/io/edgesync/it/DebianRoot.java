package io.edgesync.it;

import io.edgesync.testing.PyFtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian root file systems for the package's black-box tests ({@code src/build/debian-root}, cached by what
 * goes into them), the package this build made, and commands run to completion with a deadline.
 */
final class DebianRoot {
    private DebianRoot() {
    }

    /** What a command printed (standard output and error together) and its exit code. */
    record Result(int code, String out) {
        Result orFail(String what) {
            if (code != 0) {
                throw new IllegalStateException(what + " failed (exit " + code + "):\n" + out);
            }
            return this;
        }
    }

    /** Runs {@code command} to its end, at most {@code seconds}; its output is kept. */
    static Result run(long seconds, List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("edgesync-it-cmd", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + ": still running after " + seconds + " s:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8).strip());
        } finally {
            Files.deleteIfExists(output);
        }
    }

    static Result run(long seconds, String... command) throws IOException, InterruptedException {
        return run(seconds, List.of(command));
    }

    /**
     * A fresh copy of the root file system {@code kind} ({@code amd64-systemd}, {@code arm64-java}) in
     * {@code target}. The first build of a kind takes minutes (arm64 under emulation: about 7); CI's test
     * command starts the builds in the background before the tests.
     */
    static Path unpack(String kind, Path target) throws IOException, InterruptedException {
        Result built = run(1500, AgentProcess.ROOT.resolve("src/build/debian-root").toString(), kind)
                .orFail("src/build/debian-root " + kind);
        String[] lines = built.out().split("\n");
        Path tar = Path.of(lines[lines.length - 1].strip());
        Files.createDirectories(target);
        run(300, "tar", "-xf", tar.toString(), "-C", target.toString()).orFail("unpacking " + tar);
        return target;
    }

    /** The .deb this build made ({@code agent/target/edgesync_VERSION_all.deb}). */
    static Path deb() throws IOException {
        try (Stream<Path> files = Files.list(AgentProcess.ROOT.resolve("agent/target"))) {
            List<Path> debs = files.filter(f -> f.getFileName().toString().matches("edgesync_.*_all\\.deb")).toList();
            if (debs.size() != 1) {
                throw new IllegalStateException("expected one edgesync_*_all.deb in agent/target, found " + debs
                        + ": run ./mvnw package first");
            }
            return debs.get(0);
        }
    }

    /** The package's version ({@code dpkg-deb --field}). */
    static String version(Path deb) throws IOException, InterruptedException {
        return run(60, "dpkg-deb", "--field", deb.toString(), "Version").orFail("dpkg-deb --field").out();
    }

    /**
     * The same package under a higher version ({@code version + suffix}), as a rebuild of a newer release would
     * be: unpacked with dpkg-deb and packed again with the control file's version changed.
     */
    static Path withHigherVersion(Path deb, String suffix, Path work) throws IOException, InterruptedException {
        Path tree = work.resolve("repack");
        run(120, "dpkg-deb", "--raw-extract", deb.toString(), tree.toString()).orFail("dpkg-deb -R");
        Path control = tree.resolve("DEBIAN/control");
        String version = version(deb);
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(control)) {
            lines.add(line.startsWith("Version: ") ? "Version: " + version + suffix : line);
        }
        Files.write(control, lines);
        Path out = work.resolve("edgesync_" + version + suffix + "_all.deb");
        run(300, "dpkg-deb", "--root-owner-group", "--build", tree.toString(), out.toString()).orFail("dpkg-deb -b");
        return out;
    }

    /** Removes {@code dir} and everything under it (a root file system holds device nodes and read-only folders). */
    static void delete(Path dir) throws IOException, InterruptedException {
        if (Files.exists(dir)) {
            run(300, "rm", "-rf", "--one-file-system", dir.toString()).orFail("rm -rf " + dir);
        }
    }

    /**
     * The packaged agent's configuration in the tests' roots: the data where the package has it, device
     * {@code cam} ({@code cam-secret-17}, plain text: the start warns about it, which SystemdIT looks for in
     * the journal) and one upstream on the host's loopback, which the roots share. HTTP on IPv6's loopback:
     * the unit's sandbox must leave the JDK its IPv6.
     */
    static String config(String agentId, int ftp, int passive, int http, int upstreamPort) {
        return """
                agent:
                  id: %s
                  data-dir: /var/lib/edgesync
                ftp:
                  bind: 127.0.0.1
                  port: %d
                  passive-ports: %d-%d
                  max-logins: 8
                  users:
                    - name: cam
                      password: cam-secret-17
                      home: cam
                      perm: mw
                upstreams:
                  - name: hq
                    url: ftp://127.0.0.1:%d/in
                    user: %s
                    password: %s
                    connect-timeout: 2s
                sync:
                  retry-max: 2s
                http:
                  bind: "::1"
                  port: %d
                """.formatted(agentId, ftp, passive, passive + 7, upstreamPort, PyFtpd.USER,
                PyFtpd.PASSWORD, http);
    }
}
