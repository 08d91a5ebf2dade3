package io.edgesync.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A real upstream ProFTPD with mod_digest, so it answers HASH and XSHA256: the one upstream here that lets
 * the agent verify a SHA-256. One virtual user ({@code AuthUserFile}), running as {@code nobody}.
 */
public final class ProFtpd extends PeerProcess {
    public static final String USER = "up";
    public static final String PASSWORD = "up-secret";
    private final Path root;

    private ProFtpd(Path binary, Path config, Path root, int port) {
        super("proftpd", List.of(binary.toString(), "-n", "-q", "-c", config.toString()),
                config.resolveSibling("proftpd.log"), port);
        this.root = root;
    }

    public static ProFtpd start(Path dir) throws IOException, InterruptedException {
        Path install = Peers.proftpd();
        int port = freePort();
        Path root = dir.resolve("root");
        Path run = dir.resolve("run"); // pid and scoreboard: ProFTPD refuses a world-writable folder for them
        Files.createDirectories(root);
        Files.createDirectories(run);
        for (Path p = dir; p != null && p.startsWith(System.getProperty("java.io.tmpdir")); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx")); // written as nobody
        Process openssl = new ProcessBuilder("openssl", "passwd", "-6", PASSWORD).redirectErrorStream(true).start();
        String hash = new String(openssl.getInputStream().readAllBytes()).trim();
        openssl.waitFor();
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, USER + ":" + hash + ":65534:65534::" + root + ":/bin/sh\n");
        Files.setPosixFilePermissions(passwd, PosixFilePermissions.fromString("rw-------"));
        int passive = freeRange(16);
        Path config = dir.resolve("proftpd.conf");
        Files.writeString(config, String.join("\n",
                "ModulePath " + install.resolve("usr/lib/proftpd"), "LoadModule mod_digest.c",
                "ServerType standalone", "DefaultAddress 127.0.0.1", "Port " + port, "User nobody",
                "Group " + group(), "PidFile " + run.resolve("proftpd.pid"), "ScoreboardFile " + run.resolve("scoreboard"),
                "DelayTable none", "WtmpLog off", "UseIPv6 off", "RequireValidShell off", "AuthOrder mod_auth_file.c",
                "AuthUserFile " + passwd, "DefaultRoot ~", "PassivePorts " + passive + " " + (passive + 15),
                "AllowOverwrite on", "AllowStoreRestart on", "DigestEngine on", "DigestAlgorithms all",
                "MaxInstances 64", ""));
        ProFtpd server = new ProFtpd(install.resolve("usr/sbin/proftpd"), config, root, port);
        server.start();
        return server;
    }

    private static String group() throws IOException {
        return Files.readAllLines(Path.of("/etc/group")).stream().anyMatch(l -> l.startsWith("nogroup:"))
                ? "nogroup" : "nobody";
    }

    public Path root() {
        return root;
    }
}
