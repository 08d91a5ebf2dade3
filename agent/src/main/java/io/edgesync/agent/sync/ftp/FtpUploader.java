package io.edgesync.agent.sync.ftp;

import io.edgesync.agent.config.PemTls;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.config.UpstreamSettings;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPCmd;
import org.apache.commons.net.ftp.FTPFile;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * {@link Uploader} over Apache Commons Net: passive, binary, UTF-8, every wait bounded by the upstream's
 * connect/control/data timeouts (Commons Net's own defaults are infinite). FTPS is explicit TLS with
 * {@code PROT P}.
 */
public final class FtpUploader implements Uploader {
    private static final System.Logger LOG = System.getLogger(FtpUploader.class.getName());
    private static final Pattern SHA256_HEX = Pattern.compile("\\b([0-9a-fA-F]{64})\\b");

    private final UpstreamSettings upstream;
    private final String where;
    private volatile Credentials credentials;
    private final SSLContext tls; // null for plain FTP
    /** SIZE goes out with the end of each transfer, until a server shows it cannot take that. */
    private volatile boolean pipelining = true;
    /**
     * A small file's bytes go out right after its STOR, before the 150, until a transfer sent so fails in a
     * way other than a plain refusal. Plain FTP only: over TLS the data connection's handshake waits for the
     * server to take the connection, which it does with its 150.
     */
    private volatile boolean earlyData = true;
    /** Files up to this size take the early path: they fit the sockets' buffers whatever the server does. */
    static final long EARLY_DATA_MAX = 64 * 1024;
    /**
     * How long a PASV answered with a rename is used for the next file; older, a new PASV replaces it. Servers
     * drop an unused passive port after a while, some with a reply nobody asked for (pyftpdlib: "421 Passive
     * data channel timed out." after 30 s); a worker idle for 5 s checks its connection with NOOP first.
     */
    static final Duration PASSIVE_AHEAD_KEPT = Duration.ofSeconds(10);

    private record Credentials(String user, Secret password) {
    }

    public FtpUploader(UpstreamSettings upstream) {
        this.upstream = upstream;
        this.tls = upstream.tls() ? tlsContext(upstream) : null;
        this.where = "[" + upstream.host() + ":" + upstream.port() + "]";
        this.credentials = new Credentials(upstream.user(), upstream.password());
    }

    private static SSLContext tlsContext(UpstreamSettings upstream) {
        try {
            return PemTls.context(upstream.caFile(), Optional.empty(), Optional.empty());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("upstream " + upstream.name() + ": cannot read ca-file "
                    + upstream.caFile().map(Object::toString).orElse("") + ": " + e.getMessage(), e);
        }
    }

    /** Whether small files still go out before their 150 (tests). */
    boolean sendsDataBefore150() {
        return earlyData;
    }

    @Override
    public void useCredentials(String user, Secret password) {
        credentials = new Credentials(user, password);
    }

    @Override
    public Session open() throws UpstreamException {
        FTPClient client = DataPath.client(tls, upstream.implicitTls());
        client.setConnectTimeout((int) upstream.connectTimeout().toMillis());
        client.setDefaultTimeout((int) upstream.controlTimeout().toMillis());
        client.setDataTimeout(upstream.dataTimeout());
        client.setControlEncoding("UTF-8");
        try {
            connect(client);
            login(client);
            String home = client.printWorkingDirectory();
            if (home == null) {
                throw failure(UpstreamException.Reason.CONNECT, client, "PWD");
            }
            return new FtpSession(client, home, Features.read(client));
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
        Credentials login = credentials;
        if (!client.login(login.user(), login.password().reveal())) {
            throw failure(UpstreamException.Reason.LOGIN, client, "USER " + login.user() + " / PASS ****");
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
        private final Features features;
        private final Set<String> knownDirs = new HashSet<>();
        /** A PASV the server answered with the last rename, for the next small file; null when none. */
        private InetSocketAddress passiveAhead;
        private long passiveAheadAt; // System.nanoTime() of that answer
        /** The reply to the PASV sent with the last rename never came: the connection is not to be used again. */
        private String lostAfterRename;

        FtpSession(FTPClient client, String home, Features features) {
            this.client = client;
            this.home = home.endsWith("/") ? home : home + "/";
            this.features = features;
        }

        @Override
        public String tempPath(String relativePath, String tag) {
            String target = target(relativePath);
            return target.substring(0, target.lastIndexOf('/')) + "/.edgesync-" + tag + ".part";
        }

        private String target(String relativePath) {
            return home + (upstream.baseDir().isEmpty() ? relativePath : upstream.baseDir() + "/" + relativePath);
        }

        @Override
        public Published upload(Upload upload) throws UpstreamException {
            if (lostAfterRename != null) {
                throw new UpstreamException(UpstreamException.Reason.CONNECT, lostAfterRename);
            }
            String target = target(upload.relativePath());
            String temp = tempPath(upload.relativePath(), upload.tag());
            try {
                ensureDir(target.substring(0, target.lastIndexOf('/')));
                long offset = upload.mayResume() ? resumableOffset(temp, upload.size()) : 0;
                upload.progress().accept(offset);
                Long sizeUpstream = offset == upload.size() && offset > 0 ? Long.valueOf(offset)
                        : store(upload, temp, offset);
                verifySize(temp, upload.size(), sizeUpstream);
                String verifiedBy = verifyHash(temp, upload.sha256());
                try {
                    upload.beforePublish().check();
                } catch (UpstreamException e) {
                    client.deleteFile(temp); // complete but not to be published: nobody will finish it
                    throw e;
                }
                rename(temp, target);
                return new Published(verifiedBy, offset);
            } catch (IOException e) {
                throw io(e, UpstreamException.Reason.TRANSFER, "upload " + upload.relativePath());
            }
        }

        /** G4: how much of our own partial temporary is already upstream (0 = start over). */
        private long resumableOffset(String temp, long size) throws IOException {
            if (!features.restStream()) {
                return 0;
            }
            Long have = remoteSize(temp);
            if (have == null || have <= 0 || have > size) {
                return 0;
            }
            LOG.log(System.Logger.Level.INFO, "{0} resuming {1} at byte {2} of {3}", where, temp, have, size);
            return have; // all of it: an attempt that failed after its transfer only checks and renames now
        }

        @Override
        public boolean alive() {
            if (lostAfterRename != null) {
                return false;
            }
            try {
                return client.sendNoOp();
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public boolean deleteQuietly(String path) {
            try {
                return client.deleteFile(path);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0} DELE {1}: {2}", where, path, e.toString());
                return false;
            }
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

        /**
         * STOR (after REST when resuming) of the file's bytes from {@code offset}, up to the 226. With a server
         * that offers SIZE, SIZE goes out as soon as the data connection is closed, so the size check costs no
         * round trip of its own.
         *
         * @return the temporary's size upstream as the pipelined SIZE told it, or null to ask afterwards
         */
        private Long store(Upload upload, String temp, long offset) throws IOException, UpstreamException {
            FileChannel file = upload.file();
            DataPath data = (DataPath) client;
            InetSocketAddress ahead = passiveAhead != null
                    && System.nanoTime() - passiveAheadAt < PASSIVE_AHEAD_KEPT.toNanos() ? passiveAhead : null;
            passiveAhead = null; // any other transfer asks for its own PASV, which replaces that one
            DataPath.Plain plain = offset == 0 && upload.size() <= EARLY_DATA_MAX ? earlyPath() : null;
            Socket socket = plain == null ? null : plain.openDataEarly(FTPCmd.STOR.getCommand(), temp, ahead);
            boolean early = socket != null;
            if (socket == null) {
                if (offset > 0) {
                    client.setRestartOffset(offset);
                }
                socket = data.openData(FTPCmd.STOR.getCommand(), temp);
            }
            if (socket == null) {
                String command = (offset > 0 ? "REST " + offset + " / " : "") + "STOR " + temp;
                throw storRefused(client.getReplyCode(), command);
            }
            if (early) {
                return storeEarly(file, upload, temp, socket);
            }
            try (Socket usual = socket) {
                DataPath.send(file, offset, upload.size(), usual, upstream.dataTimeout(), upload.progress());
            }
            if (!features.size() || !pipelining) {
                if (!client.completePendingCommand()) {
                    throw failure(UpstreamException.Reason.TRANSFER, client, "STOR " + temp);
                }
                return null;
            }
            data.sendTogether("SIZE " + temp);
            return sizeAfterTransfer(temp);
        }

        /**
         * The end of a STOR and the reply of the SIZE sent with it, in the order the server gave them.
         *
         * @return the temporary's size as SIZE told it, or null to ask afterwards
         */
        private Long sizeAfterTransfer(String temp) throws IOException, UpstreamException {
            int first = client.getReply();
            String firstText = client.getReplyString();
            int second;
            try {
                second = client.getReply();
            } catch (SocketTimeoutException e) {
                stopPipelining("did not answer a SIZE sent with the end of a transfer"); // it dropped it
                throw e;
            }
            if (refusedAsCommand(first) && !refusedAsCommand(second)) {
                // the SIZE reached the server during the transfer and was refused then, before the transfer's own
                // reply (pure-ftpd: "500 Unknown command"): the second reply is the STOR's
                stopPipelining("refused a SIZE sent with the end of a transfer (" + firstText.strip() + ")");
                if (!FTPReply.isPositiveCompletion(second)) {
                    throw failure(UpstreamException.Reason.TRANSFER, client, "STOR " + temp);
                }
                return null;
            }
            if (first == FTPReply.FILE_STATUS) {
                // the server answered SIZE before the end of the transfer: that size may be short, ask again
                if (!FTPReply.isPositiveCompletion(second)) {
                    throw failure(UpstreamException.Reason.TRANSFER, client, "STOR " + temp);
                }
                return null;
            }
            if (!FTPReply.isPositiveCompletion(first)) {
                // the server failed the transfer itself (disk, quota, a cut connection)
                throw new UpstreamException(UpstreamException.Reason.TRANSFER,
                        where + " STOR " + temp + ": " + firstText.strip());
            }
            return second == FTPReply.FILE_STATUS ? sizeNumber(client.getReplyString()) : null;
        }

        /**
         * A reply that refuses a command as such (500 unknown, 501 syntax, 502 not implemented), not a transfer's
         * failure (4xx, or 55x for the file).
         */
        private static boolean refusedAsCommand(int code) {
            return code == 500 || code == 501 || code == 502;
        }

        /** From now on, for this upstream, SIZE waits for the transfer's reply (and small files for their 150). */
        private void stopPipelining(String why) {
            if (pipelining) {
                pipelining = false;
                LOG.log(System.Logger.Level.WARNING, "{0} {1}; from now on SIZE is asked after the 226", where, why);
            }
        }

        private UpstreamException storRefused(int code, String command) {
            UpstreamException.Reason reason = code == 553 || code == 550 || code == 532
                    ? UpstreamException.Reason.REFUSED : UpstreamException.Reason.TRANSFER;
            return failure(reason, client, command);
        }

        /**
         * The early path: STOR went out with the data connection already open and the bytes follow at once;
         * then SIZE, and the replies in order: the 150 (or a refusal, when the server never took the bytes),
         * the 226, SIZE's. Anything else than those turns the early path off for this upstream, and the file
         * is sent again the usual way.
         */
        private Long storeEarly(FileChannel file, Upload upload, String temp, Socket socket)
                throws IOException, UpstreamException {
            try {
                try (socket) {
                    DataPath.send(file, 0, upload.size(), socket, upstream.dataTimeout(), upload.progress());
                } catch (IOException e) {
                    // a server that refused the STOR may have closed the data connection: its reply says why
                    int code = client.getReply();
                    if (!FTPReply.isPositivePreliminary(code)) {
                        throw storRefused(code, "STOR " + temp);
                    }
                    throw e;
                }
                ((DataPath) client).sendTogether("SIZE " + temp);
                int preliminary = client.getReply();
                if (!FTPReply.isPositivePreliminary(preliminary)) {
                    UpstreamException refused = storRefused(preliminary, "STOR " + temp);
                    client.getReply(); // SIZE's
                    if (refused.reason() == UpstreamException.Reason.REFUSED) {
                        throw refused;
                    }
                    throw earlyFailed(refused.getMessage());
                }
                return sizeAfterTransfer(temp);
            } catch (SocketTimeoutException e) {
                throw earlyFailed(where + " STOR " + temp + " with its bytes sent before the 150: " + e);
            }
        }

        private UpstreamException earlyFailed(String what) {
            earlyData = false;
            LOG.log(System.Logger.Level.WARNING, "{0} {1}; from now on a file's bytes wait for the 150", where, what);
            return new UpstreamException(UpstreamException.Reason.TRANSFER, what);
        }

        /** The number a SIZE reply carries (after its code, or alone as Commons Net's getSize gives it), or null. */
        private Long sizeNumber(String text) {
            String number = text.strip();
            if (number.startsWith(FTPReply.FILE_STATUS + " ")) {
                number = number.substring(4).strip();
            }
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0} SIZE answered {1}", where, text);
                return null;
            }
        }

        /** SIZE, else MLST; a server with neither is trusted on its 226 (logged once per connection). */
        private void verifySize(String temp, long expected, Long known) throws IOException, UpstreamException {
            Long actual = known != null ? known : remoteSize(temp);
            if (actual == null) {
                LOG.log(System.Logger.Level.WARNING, "{0} offers neither SIZE nor MLST; {1} not size-verified",
                        where, temp);
                return;
            }
            if (actual != expected) {
                if (actual > expected) {
                    client.deleteFile(temp); // not ours to continue
                }
                // A short temporary is the front of the file (a connection cut after our last write reached
                // the socket but before it reached the server): the next attempt resumes it when allowed.
                throw new UpstreamException(UpstreamException.Reason.VERIFY,
                        where + " SIZE " + temp + ": " + actual + " bytes upstream, " + expected + " sent");
            }
        }

        /**
         * G3: compares the server's SHA-256 of the temporary with the digest computed at ingest, when the
         * server offers one (HASH with SHA-256, or XSHA256); else the size check stands alone.
         */
        private String verifyHash(String temp, String expected) throws IOException, UpstreamException {
            String reply;
            if (features.hashSha256()) {
                client.sendCommand("OPTS", "HASH SHA-256");
                client.sendCommand("HASH", temp);
                reply = client.getReplyString();
            } else if (features.xsha256()) {
                client.sendCommand("XSHA256", temp);
                reply = client.getReplyString();
            } else {
                return "size";
            }
            if (!FTPReply.isPositiveCompletion(client.getReplyCode())) {
                LOG.log(System.Logger.Level.WARNING, "{0} offers a hash but answered: {1}", where, reply.strip());
                return "size";
            }
            Matcher hex = SHA256_HEX.matcher(reply);
            if (!hex.find()) {
                return "size";
            }
            if (!hex.group(1).equalsIgnoreCase(expected)) {
                client.deleteFile(temp);
                throw new UpstreamException(UpstreamException.Reason.VERIFY, where + " SHA-256 of " + temp + ": "
                        + hex.group(1).toLowerCase(java.util.Locale.ROOT) + " upstream, " + expected + " sent");
            }
            return "sha256";
        }

        private Long remoteSize(String path) throws IOException {
            String size = client.getSize(path);
            Long number = size == null ? null : sizeNumber(size);
            if (number != null) {
                return number;
            }
            FTPFile file = client.mlistFile(path);
            return file == null || file.getSize() < 0 ? null : file.getSize();
        }

        /**
         * Renames the complete temporary onto the final name. Servers that refuse to overwrite (Apache
         * FtpServer, IIS, FileZilla) get the old file deleted first; the new one is complete by then. RNFR and
         * RNTO go in one write: a refused RNFR makes the server refuse the RNTO too (503). While small files go
         * out early, a PASV for the next file goes with them, so that file waits once less.
         */
        private void rename(String temp, String target) throws IOException, UpstreamException {
            DataPath.Plain plain = earlyPath();
            if (plain != null) {
                plain.sendTogether("RNFR " + temp, "RNTO " + target, "PASV");
            } else {
                ((DataPath) client).sendTogether("RNFR " + temp, "RNTO " + target);
            }
            boolean marked = FTPReply.isPositiveIntermediate(client.getReply());
            int code = client.getReply();
            String renamed = client.getReplyString();
            if (plain != null) {
                passiveAhead(plain);
            }
            if (marked && FTPReply.isPositiveCompletion(code)) {
                return;
            }
            if (marked && (code == 550 || code == 553) && remoteSize(target) != null && client.deleteFile(target)
                    && client.rename(temp, target)) {
                return;
            }
            String reply = marked && (code == 550 || code == 553) ? client.getReplyString() : renamed;
            throw new UpstreamException(UpstreamException.Reason.RENAME, where + " RNFR " + temp + " / RNTO " + target
                    + ": " + (reply == null ? "(no reply)" : reply.strip()));
        }

        /**
         * The client when small files may go out before their 150 on this connection (plain FTP with PASV, SIZE
         * sent with the end of a transfer, nothing has turned it off); null otherwise.
         */
        private DataPath.Plain earlyPath() {
            return earlyData && pipelining && features.size() && client instanceof DataPath.Plain p && p.usesPasv()
                    ? p : null;
        }

        /**
         * Reads the reply to the PASV sent with a rename. The rename's outcome does not depend on it: a
         * connection lost (or a reply late) here leaves the file delivered, and the connection unused from then
         * on (a late reply would answer the next command).
         */
        private void passiveAhead(DataPath.Plain plain) {
            try {
                if (client.getReply() == FTPReply.ENTERING_PASSIVE_MODE) {
                    passiveAhead = plain.passiveAddress(client.getReplyStrings()[0]);
                    passiveAheadAt = System.nanoTime();
                }
            } catch (IOException e) {
                lostAfterRename = where + " no reply to the PASV sent with a rename (" + e + "); a new connection";
                LOG.log(System.Logger.Level.DEBUG, "{0}", lostAfterRename);
            }
        }

        @Override
        public void abandon() {
            disconnect(client);
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
