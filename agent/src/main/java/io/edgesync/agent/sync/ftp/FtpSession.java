package io.edgesync.agent.sync.ftp;

import io.edgesync.agent.config.UpstreamSettings;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPCmd;
import org.apache.commons.net.ftp.FTPFile;
import org.apache.commons.net.ftp.FTPReply;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One logged-in connection to an upstream, used by one worker at a time, and the protocol steps of one
 * upload: the target folder made ({@link #ensureDir}), the bytes stored under a temporary name
 * ({@link #store}, resumed where allowed), the temporary checked ({@link #verifySize}, {@link #verifyHash}),
 * the device's last word asked, then the rename onto the final name ({@link #rename}). The pipelining that
 * saves round trips is {@link Pipelining}'s. Not thread-safe.
 */
final class FtpSession implements Uploader.Session {
    private static final System.Logger LOG = System.getLogger(FtpSession.class.getName());
    private static final Pattern SHA256_HEX = Pattern.compile("\\b([0-9a-fA-F]{64})\\b");

    private final UpstreamSettings upstream;
    private final String where;
    private final Pipelining pipelining;
    private final FTPClient client;
    private final String home;
    private final Features features;
    /** The upstream's way to set a file's time without MFMT, once a file learned it (shared by its sessions). */
    private final java.util.concurrent.atomic.AtomicReference<String> timeMethod;
    private static final java.time.format.DateTimeFormatter FTP_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyyMMddHHmmss").withZone(java.time.ZoneOffset.UTC);
    private final Set<String> knownDirs = new HashSet<>();
    /** A PASV the server answered with the last rename, for the next small file; null when none. */
    private InetSocketAddress passiveAhead;
    private long passiveAheadAt; // System.nanoTime() of that answer
    /** The reply to the PASV sent with the last rename never came: the connection is not to be used again. */
    private String lostAfterRename;

    /** A logged-in connection (made by {@link FtpUploader}), in {@code home}, with what its FEAT offered. */
    FtpSession(FTPClient client, String home, Features features, UpstreamSettings upstream, String where,
               Pipelining pipelining, java.util.concurrent.atomic.AtomicReference<String> timeMethod) {
        this.timeMethod = timeMethod;
        this.upstream = upstream;
        this.where = where;
        this.pipelining = pipelining;
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
    public Uploader.Published upload(Uploader.Upload upload) throws UpstreamException {
        if (lostAfterRename != null) {
            throw new UpstreamException(UpstreamException.Reason.CONNECT, lostAfterRename);
        }
        String target = target(upload.relativePath());
        String temp = tempPath(upload.relativePath(), upload.tag());
        try {
            ensureDir(target.substring(0, target.lastIndexOf('/')));
            long offset = upload.mayResume() ? resumableOffset(temp, upload.size()) : 0;
            upload.progress().accept(offset);
            OptionalLong sizeUpstream = offset == upload.size() && offset > 0 ? OptionalLong.of(offset)
                    : store(upload, temp, offset);
            verifySize(temp, upload.size(), sizeUpstream);
            String verifiedBy = verifyHash(temp, upload.sha256());
            try {
                upload.beforePublish().check();
            } catch (UpstreamException e) {
                client.deleteFile(temp); // complete but not to be published: nobody will finish it
                throw e;
            }
            String[] attributes = rename(temp, target, upload);
            return new Uploader.Published(verifiedBy, offset, attributes[0], attributes[1]);
        } catch (IOException e) {
            throw Replies.io(where, e, UpstreamException.Reason.TRANSFER, "upload " + upload.relativePath());
        }
    }

    /** G4: how much of our own partial temporary is already upstream (0 = start over). */
    private long resumableOffset(String temp, long size) throws IOException {
        if (!features.restStream()) {
            return 0;
        }
        long have = remoteSize(temp).orElse(0);
        if (have <= 0 || have > size) {
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
                throw Replies.failure(where, UpstreamException.Reason.REFUSED, client, "MKD/CWD " + dir);
            }
        }
        knownDirs.add(dir);
    }

    /**
     * STOR (after REST when resuming) of the file's bytes from {@code offset}, up to the 226. With a server
     * that offers SIZE, SIZE goes out as soon as the data connection is closed, so the size check costs no
     * round trip of its own.
     *
     * @return the temporary's size upstream as the pipelined SIZE told it; empty: ask afterwards
     */
    private OptionalLong store(Uploader.Upload upload, String temp, long offset)
            throws IOException, UpstreamException {
        FileChannel file = upload.file();
        DataPath data = (DataPath) client;
        InetSocketAddress ahead = passiveAhead != null
                && System.nanoTime() - passiveAheadAt < Pipelining.PASSIVE_AHEAD_KEPT.toNanos() ? passiveAhead : null;
        passiveAhead = null; // any other transfer asks for its own PASV, which replaces that one
        Optional<DataPath.Plain> plain = offset == 0 ? pipelining.earlyPath(client, features) : Optional.empty();
        boolean small = upload.size() <= Pipelining.EARLY_DATA_MAX;
        Socket socket = plain.isEmpty() || !small && ahead == null ? null
                : plain.get().openDataEarly(FTPCmd.STOR.getCommand(), temp, ahead);
        boolean early = socket != null && small;
        if (socket != null && !small) {
            // a larger file: the PASV answered with the last rename saves a round trip, but its bytes wait for
            // the 150 (a refused STOR must not leave more in flight than the sockets' buffers hold)
            int code = client.getReply();
            if (!FTPReply.isPositivePreliminary(code)) {
                socket.close();
                throw Replies.storRefused(where, client, code, "STOR " + temp);
            }
        }
        if (socket == null) {
            if (offset > 0) {
                client.setRestartOffset(offset);
            }
            socket = data.openData(FTPCmd.STOR.getCommand(), temp);
        }
        if (socket == null) {
            String command = (offset > 0 ? "REST " + offset + " / " : "") + "STOR " + temp;
            throw Replies.storRefused(where, client, client.getReplyCode(), command);
        }
        if (early) {
            return pipelining.storeEarly(client, upload, temp, socket, upstream.dataTimeout());
        }
        try (Socket usual = socket) {
            DataPath.send(file, offset, upload.size(), usual, upstream.dataTimeout(), upload.progress(), upload.pace());
        }
        if (!pipelining.sizeWithEnd(features)) {
            if (!client.completePendingCommand()) {
                throw Replies.failure(where, UpstreamException.Reason.TRANSFER, client, "STOR " + temp);
            }
            return OptionalLong.empty();
        }
        data.sendTogether("SIZE " + temp);
        return pipelining.sizeAfterTransfer(client, temp);
    }

    /** SIZE, else MLST; a server with neither is trusted on its 226 (logged once per connection). */
    private void verifySize(String temp, long expected, OptionalLong known) throws IOException, UpstreamException {
        OptionalLong size = known.isPresent() ? known : remoteSize(temp);
        if (size.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "{0} offers neither SIZE nor MLST; {1} not size-verified",
                    where, temp);
            return;
        }
        long actual = size.getAsLong();
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

    private OptionalLong remoteSize(String path) throws IOException {
        String size = client.getSize(path);
        OptionalLong number = size == null ? OptionalLong.empty() : Replies.sizeNumber(where, size);
        if (number.isPresent()) {
            return number;
        }
        FTPFile file = client.mlistFile(path);
        return file == null || file.getSize() < 0 ? OptionalLong.empty() : OptionalLong.of(file.getSize());
    }

    /**
     * Renames the complete temporary onto the final name. Servers that refuse to overwrite (Apache
     * FtpServer, IIS, FileZilla) get the old file deleted first; the new one is complete by then. RNFR and
     * RNTO go in one write: a refused RNFR makes the server refuse the RNTO too (503). While small files go
     * out early, a PASV for the next file goes with them, so that file waits once less.
     */
    private String[] rename(String temp, String target, Uploader.Upload upload) throws IOException, UpstreamException {
        // the time and mode are set on the complete temporary, in the rename's own write: no round trip more, and
        // the file never shows under its final name without them (a rename keeps both)
        List<String> commands = new ArrayList<>();
        String[] attributes = {"off", ""};
        Optional<String> time = upstream.fileTimes() == UpstreamSettings.FileTimes.OFF ? Optional.empty()
                : upload.fileTime().map(FTP_TIME::format);
        Optional<String> timeMethod = time.isEmpty() ? Optional.empty() : timeMethod(time.get(), temp, attributes);
        timeMethod.ifPresent(m -> commands.add(m + " " + time.get() + " " + temp));
        upstream.chmod().ifPresent(mode -> commands.add("SITE CHMOD " + mode + " " + temp));
        int attributeCommands = commands.size();
        commands.add("RNFR " + temp);
        commands.add("RNTO " + target);
        Optional<DataPath.Plain> plain = pipelining.earlyPath(client, features);
        if (plain.isPresent()) {
            commands.add("PASV");
            plain.get().sendTogether(commands.toArray(String[]::new));
        } else {
            ((DataPath) client).sendTogether(commands.toArray(String[]::new));
        }
        for (int i = 0; i < attributeCommands; i++) {
            int reply = client.getReply();
            String text = client.getReplyString() == null ? "(no reply)" : client.getReplyString().strip();
            boolean isTime = i == 0 && timeMethod.isPresent();
            String outcome = FTPReply.isPositiveCompletion(reply) ? (isTime ? timeMethod.get() : upstream.chmod()
                    .orElseThrow()) : "refused: " + text;
            attributes[isTime ? 0 : 1] = outcome;
            if (!FTPReply.isPositiveCompletion(reply)) {
                LOG.log(System.Logger.Level.DEBUG, "{0} {1} refused: {2}", where, commands.get(i), text);
            }
        }
        boolean marked = FTPReply.isPositiveIntermediate(client.getReply());
        int code = client.getReply();
        String renamed = client.getReplyString();
        if (plain.isPresent()) {
            passiveAhead(plain.get());
        }
        if (marked && FTPReply.isPositiveCompletion(code)) {
            return attributes;
        }
        if (marked && (code == 550 || code == 553) && remoteSize(target).isPresent() && client.deleteFile(target)
                && client.rename(temp, target)) {
            return attributes;
        }
        String reply = marked && (code == 550 || code == 553) ? client.getReplyString() : renamed;
        throw new UpstreamException(UpstreamException.Reason.RENAME, where + " RNFR " + temp + " / RNTO " + target
                + ": " + (reply == null ? "(no reply)" : reply.strip()));
    }

    /**
     * The command that sets a file's time on this upstream: MFMT when its FEAT offers it; else, with
     * {@code file-times: any}, what an earlier file learned, or learned now, on this file's temporary ({@code SITE UTIME}, then vsftpd's {@code MDTM}
     * with a time), which sets its time already (then empty, the outcome in {@code attributes[0]}).
     */
    private Optional<String> timeMethod(String time, String temp, String[] attributes) throws IOException {
        if (features.mfmt()) {
            return Optional.of("MFMT");
        }
        if (upstream.fileTimes() != UpstreamSettings.FileTimes.ANY) {
            attributes[0] = "not offered";
            return Optional.empty();
        }
        String known = timeMethod.get();
        if (known != null) {
            attributes[0] = known.equals("none") ? "not offered" : attributes[0];
            return known.equals("none") ? Optional.empty() : Optional.of(known);
        }
        for (String method : List.of("SITE UTIME", "MDTM")) {
            if (FTPReply.isPositiveCompletion(client.sendCommand(method + " " + time + " " + temp))) {
                timeMethod.set(method);
                attributes[0] = method;
                LOG.log(System.Logger.Level.INFO, "{0} sets file times with {1} (no MFMT offered)", where, method);
                return Optional.empty();
            }
        }
        timeMethod.set("none");
        attributes[0] = "not offered";
        LOG.log(System.Logger.Level.INFO, "{0} offers no way to set a file's time (MFMT, SITE UTIME, MDTM): files"
                + " keep the time of their upload there", where);
        return Optional.empty();
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
        Replies.disconnect(client);
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
            Replies.disconnect(client);
        }
    }
}
