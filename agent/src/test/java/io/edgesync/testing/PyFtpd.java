package io.edgesync.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A real upstream FTP server: Debian's pyftpdlib, one user with full rights, on a free loopback port. */
public final class PyFtpd extends PeerProcess {
    public static final String USER = "up";
    public static final String PASSWORD = "up-secret";
    private final Path root;

    private PyFtpd(Path root, int port, int passiveFrom, Path python) {
        super("pyftpdlib", List.of(python.toString(), "-m", "pyftpdlib", "-i", "127.0.0.1", "-p",
                        Integer.toString(port), "-w", "-d", root.toString(), "-u", USER, "-P", PASSWORD,
                        "-r", passiveFrom + "-" + (passiveFrom + 15)),
                root.resolveSibling(root.getFileName() + "-pyftpd.log"), port);
        this.root = root;
    }

    /** Starts pyftpdlib serving {@code root} (created if needed) on {@code port}. */
    public static PyFtpd start(Path root, int port) throws IOException {
        Path python = Peers.pyftpdlib();
        Files.createDirectories(root);
        PyFtpd server = new PyFtpd(root, port, freeRange(16), python);
        server.start();
        return server;
    }

    public static PyFtpd start(Path root) throws IOException {
        return start(root, freePort());
    }

    public Path root() {
        return root;
    }

    public String url(String baseDir) {
        return "ftp://127.0.0.1:" + port() + "/" + baseDir;
    }
}
