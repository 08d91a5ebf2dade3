package io.edgesync.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;

/**
 * A real upstream vsftpd (replaces on rename, like ProFTPD and pure-ftpd), standalone on a free loopback
 * port, serving {@code root} to the local user {@link #USER}. {@code src/build/peers} creates that user (its
 * shell must be in /etc/shells for vsftpd's PAM stack); without it the test fails with the command to run.
 */
public final class Vsftpd extends PeerProcess {
    public static final String USER = "edgesync-up";
    public static final String PASSWORD = "up-secret";
    private final Path root;

    private Vsftpd(Path binary, Path config, Path root, int port) {
        super("vsftpd", List.of(binary.toString(), config.toString()), config.resolveSibling("vsftpd.log"), port);
        this.root = root;
    }

    public static Vsftpd start(Path dir) throws IOException {
        return start(dir, freePort());
    }

    public static Vsftpd start(Path dir, int port) throws IOException {
        return start(dir, port, List.of());
    }

    /**
     * vsftpd requiring explicit TLS for logins and data, with its defaults otherwise: among them
     * {@code require_ssl_reuse=YES}, a data connection must resume the control connection's TLS session.
     */
    public static Vsftpd startTls(Path dir, SelfSigned certificate) throws IOException {
        return start(dir, freePort(), tls(certificate));
    }

    /** The same with implicit TLS: the handshake comes first on every connection, as on port 990. */
    public static Vsftpd startImplicitTls(Path dir, SelfSigned certificate) throws IOException {
        List<String> options = new java.util.ArrayList<>(tls(certificate));
        options.add("implicit_ssl=YES");
        return start(dir, freePort(), options);
    }

    private static List<String> tls(SelfSigned certificate) {
        return List.of("ssl_enable=YES", "rsa_cert_file=" + certificate.cert(),
                "rsa_private_key_file=" + certificate.key(), "force_local_logins_ssl=YES",
                "force_local_data_ssl=YES", "allow_anon_ssl=NO", "ssl_ciphers=HIGH");
    }

    private static Vsftpd start(Path dir, int port, List<String> extra) throws IOException {
        Path binary = Peers.require("vsftpd", "vsftpd");
        UserPrincipal owner;
        try {
            owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(USER);
        } catch (IOException e) {
            Peers.missingSetup("the local user " + USER + " for vsftpd: useradd -m -s /bin/sh " + USER
                    + " && echo '" + USER + ":" + PASSWORD + "' | chpasswd");
            throw new AssertionError("unreachable");
        }
        Path root = dir.resolve("root");
        Files.createDirectories(root);
        Files.setOwner(root, owner);
        for (Path p = dir; p != null && !p.equals(p.getRoot()); p = p.getParent()) {
            if (p.startsWith(System.getProperty("java.io.tmpdir"))) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        Files.createDirectories(Path.of("/var/run/vsftpd/empty"));
        int passive = freeRange(16);
        Path config = dir.resolve("vsftpd.conf");
        Files.writeString(config, String.join("\n",
                "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", "listen_port=" + port, "background=NO",
                "anonymous_enable=NO", "local_enable=YES", "write_enable=YES", "local_umask=022",
                "local_root=" + root, "chroot_local_user=NO", "pasv_enable=YES", "pasv_address=127.0.0.1",
                "pasv_min_port=" + passive, "pasv_max_port=" + (passive + 15), "pam_service_name=vsftpd",
                "secure_chroot_dir=/var/run/vsftpd/empty", "seccomp_sandbox=NO", "force_dot_files=YES",
                "xferlog_enable=NO", "vsftpd_log_file=" + dir.resolve("vsftpd-xfer.log"), "check_shell=NO",
                "userlist_enable=NO", "max_clients=64", "max_per_ip=64", String.join("\n", extra), ""));
        Vsftpd server = new Vsftpd(binary, config, root, port);
        server.start();
        return server;
    }

    public Path root() {
        return root;
    }
}
