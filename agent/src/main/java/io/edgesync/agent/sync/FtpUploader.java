package io.edgesync.agent.sync;

import io.edgesync.agent.config.UpstreamSettings;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPFile;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * {@link Uploader} over Apache Commons Net: passive, binary, UTF-8, every wait bounded by the upstream's
 * connect/control/data timeouts (Commons Net's own defaults are infinite). FTPS is explicit TLS with
 * {@code PROT P}.
 */
final class FtpUploader implements Uploader {
    private static final System.Logger LOG = System.getLogger(FtpUploader.class.getName());
    private static final int BUFFER = 256 * 1024;

    private final UpstreamSettings upstream;
    private final String where;

    FtpUploader(UpstreamSettings upstream) {
        this.upstream = upstream;
        this.where = "[" + upstream.host() + ":" + upstream.port() + "]";
    }

    @Override
    public Session open() throws UpstreamException {
        FTPClient client = upstream.tls() ? new FTPSClient("TLS", false) : new FTPClient();
        client.setConnectTimeout((int) upstream.connectTimeout().toMillis());
        client.setDefaultTimeout((int) upstream.controlTimeout().toMillis());
        client.setDataTimeout(upstream.dataTimeout());
        client.setControlEncoding("UTF-8");
        client.setBufferSize(BUFFER);
        try {
            connect(client);
            login(client);
            String home = client.printWorkingDirectory();
            if (home == null) {
                throw failure(UpstreamException.Reason.CONNECT, client, "PWD");
            }
            return new FtpSession(client, home);
        } catch (UpstreamException e) {
            disconnect(client);
            throw e;
        } catch (IOException e) {
            disconnect(client);
            throw io(e, UpstreamException.Reason.CONNECT, "connect/login");
        }
    }

    private void connect(FTPClient client) throws IOException, UpstreamException {
        client.connect(upstream.host(), upstream.port());
        client.setSoTimeout((int) upstream.controlTimeout().toMillis());
        if (!FTPReply.isPositiveCompletion(client.getReplyCode())) {
            throw failure(UpstreamException.Reason.CONNECT, client, "greeting");
        }
    }

    private void login(FTPClient client) throws IOException, UpstreamException {
        if (!client.login(upstream.user(), upstream.password().reveal())) {
            throw failure(UpstreamException.Reason.LOGIN, client, "USER " + upstream.user() + " / PASS ****");
        }
        if (client instanceof FTPSClient tls) {
            tls.execPBSZ(0);
            tls.execPROT("P");
        }
        if (!client.setFileType(FTP.BINARY_FILE_TYPE)) {
            throw failure(UpstreamException.Reason.CONNECT, client, "TYPE I");
        }
        client.enterLocalPassiveMode();
        client.sendCommand("OPTS", "UTF8 ON"); // optional: servers that lack it answer 5xx and stay usable
    }

    private UpstreamException failure(UpstreamException.Reason reason, FTPClient client, String command) {
        String reply = client.getReplyString() == null ? "(no reply)" : client.getReplyString().strip();
        return new UpstreamException(reason, where + " " + command + ": " + reply);
    }

    private UpstreamException io(IOException e, UpstreamException.Reason otherwise, String command) {
        return new UpstreamException(timedOut(e) ? UpstreamException.Reason.TIMEOUT : otherwise,
                where + " " + command + ": " + e, e);
    }

    /** Commons Net wraps some timeouts (e.g. the greeting's) in a plain IOException. */
    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static void disconnect(FTPClient client) {
        if (!client.isConnected()) {
            return;
        }
        try {
            client.disconnect();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "disconnect failed: {0}", e.toString());
        }
    }

    private final class FtpSession implements Session {
        private final FTPClient client;
        private final String home;
        private final Set<String> knownDirs = new HashSet<>();

        FtpSession(FTPClient client, String home) {
            this.client = client;
            this.home = home.endsWith("/") ? home : home + "/";
        }

        @Override
        public void upload(Path local, String relativePath, long size, String tag) throws UpstreamException {
            String target = home + join(upstream.baseDir(), relativePath);
            int slash = target.lastIndexOf('/');
            String dir = target.substring(0, slash);
            String temp = dir + "/.edgesync-" + tag + ".part";
            try {
                ensureDir(dir);
                store(local, temp);
                verifySize(temp, size);
                rename(temp, target);
            } catch (IOException e) {
                throw io(e, UpstreamException.Reason.TRANSFER, "upload " + relativePath);
            }
        }

        private static String join(String base, String relative) {
            return base.isEmpty() ? relative : base + "/" + relative;
        }

        /** Creates every missing folder level once per connection; a folder known to exist costs nothing. */
        private void ensureDir(String dir) throws IOException, UpstreamException {
            if (dir.isEmpty() || knownDirs.contains(dir)) {
                return;
            }
            if (!client.changeWorkingDirectory(dir)) {
                StringBuilder path = new StringBuilder();
                for (String segment : dir.split("/")) {
                    if (segment.isEmpty()) {
                        continue;
                    }
                    path.append('/').append(segment);
                    if (!knownDirs.contains(path.toString())) {
                        client.makeDirectory(path.toString()); // 550 when it exists already: checked below
                    }
                }
                if (!client.changeWorkingDirectory(dir)) {
                    throw failure(UpstreamException.Reason.REFUSED, client, "MKD/CWD " + dir);
                }
            }
            knownDirs.add(dir);
        }

        private void store(Path local, String temp) throws IOException, UpstreamException {
            try (InputStream in = Files.newInputStream(local)) {
                if (!client.storeFile(temp, in)) {
                    int code = client.getReplyCode();
                    UpstreamException.Reason reason = code == 553 || code == 550 || code == 532
                            ? UpstreamException.Reason.REFUSED : UpstreamException.Reason.TRANSFER;
                    throw failure(reason, client, "STOR " + temp);
                }
            } catch (NoSuchFileException e) {
                throw new UpstreamException(UpstreamException.Reason.LOCAL,
                        "spool file " + local + " is gone; it cannot be delivered", e);
            }
        }

        /** SIZE, else MLST; a server with neither is trusted on its 226 (logged once per connection). */
        private void verifySize(String temp, long expected) throws IOException, UpstreamException {
            Long actual = remoteSize(temp);
            if (actual == null) {
                LOG.log(System.Logger.Level.WARNING, "{0} offers neither SIZE nor MLST; {1} not size-verified",
                        where, temp);
                return;
            }
            if (actual != expected) {
                client.deleteFile(temp);
                throw new UpstreamException(UpstreamException.Reason.VERIFY,
                        where + " SIZE " + temp + ": " + actual + " bytes upstream, " + expected + " sent");
            }
        }

        private Long remoteSize(String path) throws IOException {
            String size = client.getSize(path);
            if (size != null) {
                try {
                    return Long.parseLong(size.trim());
                } catch (NumberFormatException e) {
                    LOG.log(System.Logger.Level.DEBUG, "{0} SIZE answered {1}", where, size);
                }
            }
            FTPFile file = client.mlistFile(path);
            return file == null || file.getSize() < 0 ? null : file.getSize();
        }

        /**
         * Renames the complete temporary onto the final name. Servers that refuse to overwrite (Apache
         * FtpServer, IIS, FileZilla) get the old file deleted first; the new one is complete by then.
         */
        private void rename(String temp, String target) throws IOException, UpstreamException {
            if (client.rename(temp, target)) {
                return;
            }
            int code = client.getReplyCode();
            if ((code == 550 || code == 553) && remoteSize(target) != null && client.deleteFile(target)
                    && client.rename(temp, target)) {
                return;
            }
            throw failure(UpstreamException.Reason.RENAME, client, "RNFR " + temp + " / RNTO " + target);
        }

        @Override
        public void close() {
            try {
                if (client.isConnected()) {
                    client.logout();
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0} QUIT failed: {1}", where, e.toString());
            } finally {
                disconnect(client);
            }
        }
    }
}
