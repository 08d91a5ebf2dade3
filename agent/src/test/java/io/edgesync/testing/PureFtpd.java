package io.edgesync.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real upstream pure-ftpd, unpacked beside vsftpd (the packages conflict; see {@code src/build/peers}), with
 * one virtual user ({@code pure-pw}) mapped to the local user {@code edgesync-up}. Its habit that matters here:
 * a command sent during a transfer is answered {@code 500 Unknown command} before the transfer's {@code 226}.
 * With a certificate it takes explicit TLS ({@code -Y 1}).
 */
public final class PureFtpd extends PeerProcess {
    public static final String USER = "up";
    public static final String PASSWORD = "up-secret";
    private static final Path INSTALL = Path.of(System.getenv().getOrDefault("EDGESYNC_PUREFTPD_ROOT",
            "/opt/edgesync-peers/pure-ftpd"));
    private final Path root;

    private PureFtpd(List<String> command, Path log, Path root, int port) {
        super("pure-ftpd", command, log, port);
        this.root = root;
    }

    public static PureFtpd start(Path dir, Optional<SelfSigned> tls) throws IOException, InterruptedException {
        Path binary = INSTALL.resolve("usr/sbin/pure-ftpd");
        if (!Files.isExecutable(binary)) {
            Peers.missingSetup("pure-ftpd unpacked under " + INSTALL + " (src/build/peers does it)");
        }
        Path root = Files.createDirectories(dir.resolve("root"));
        for (Path p = dir; p != null && p.startsWith(System.getProperty("java.io.tmpdir")); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path passwd = dir.resolve("pureftpd.passwd");
        Path pdb = dir.resolve("pureftpd.pdb");
        Process pw = new ProcessBuilder(INSTALL.resolve("usr/bin/pure-pw").toString(), "useradd", USER, "-u",
                Vsftpd.USER, "-d", root.toString(), "-f", passwd.toString(), "-m", "-F", pdb.toString())
                .redirectErrorStream(true).start();
        pw.getOutputStream().write((PASSWORD + "\n" + PASSWORD + "\n").getBytes(StandardCharsets.US_ASCII));
        pw.getOutputStream().close();
        String out = new String(pw.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!pw.waitFor(20, TimeUnit.SECONDS) || pw.exitValue() != 0) {
            Peers.missingSetup("pure-pw for pure-ftpd's virtual user (the local user " + Vsftpd.USER
                    + " must exist: src/build/peers makes it): " + out.trim());
        }
        int port = freePort();
        int passive = freeRange(16);
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-S", "127.0.0.1," + port, "-l",
                "puredb:" + pdb, "-p", passive + ":" + (passive + 15), "-E", "-H", "-A", "-c", "64", "-C", "64"));
        if (tls.isPresent()) {
            Path pem = dir.resolve("pure-ftpd.pem");
            Files.writeString(pem, Files.readString(tls.get().key()) + Files.readString(tls.get().cert()));
            command.addAll(List.of("-Y", "1", "-2", pem.toString()));
        }
        PureFtpd server = new PureFtpd(command, dir.resolve("pure-ftpd.log"), root, port);
        server.start();
        return server;
    }

    public Path root() {
        return root;
    }
}
