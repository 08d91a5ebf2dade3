package io.edgesync.agent.sync.ftp;

import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The upstream session's optimisations for links with latency, and their plain fallback, for one upstream:
 * <ul>
 * <li><b>SIZE with the end of the transfer</b>: the size check costs no round trip of its own;</li>
 * <li><b>early data</b>: a file up to {@link #EARLY_DATA_MAX} goes out right after its STOR, before the 150
 * (plain FTP with PASV only: over TLS the data connection's handshake waits for the server to take it);</li>
 * <li><b>PASV with the rename</b>: each rename carries the next file's PASV (used within
 * {@link #PASSIVE_AHEAD_KEPT}), while early data is on; a larger file uses it too, its bytes after the 150
 * (over a 40 ms link, benchmark B6 found every 256 KiB file paying a second PASV).</li>
 * </ul>
 * Every reply is read in order. The first reply that does not fit (pure-ftpd refuses a command sent during a
 * transfer with 500 before its 226; a server that drops the SIZE) turns the optimisation off for this upstream
 * from then on, logged once, and the file goes again the plain way. Thread-safe: the flags are shared by the
 * upstream's sessions.
 */
final class Pipelining {
    private static final System.Logger LOG = System.getLogger(Pipelining.class.getName());
    /** Files up to this size take the early path: they fit the sockets' buffers whatever the server does. */
    static final long EARLY_DATA_MAX = 64 * 1024;
    /**
     * How long a PASV answered with a rename is used for the next file; older, a new PASV replaces it. Servers
     * drop an unused passive port after a while, some with a reply nobody asked for (pyftpdlib: "421 Passive
     * data channel timed out." after 30 s); a worker idle for 5 s checks its connection with NOOP first.
     */
    static final Duration PASSIVE_AHEAD_KEPT = Duration.ofSeconds(10);

    private final String where;
    /** SIZE goes out with the end of each transfer, until a server shows it cannot take that. */
    private volatile boolean sizeWithEnd = true;
    /** A small file's bytes go out before the 150, until a transfer sent so fails in another way than a refusal. */
    private volatile boolean earlyData = true;

    Pipelining(String where) {
        this.where = where;
    }

    /** Whether SIZE still goes out with the end of a transfer to a server that offers SIZE. */
    boolean sizeWithEnd(Features features) {
        return sizeWithEnd && features.size();
    }

    /** Whether small files still go out before their 150 (tests). */
    boolean earlyData() {
        return earlyData;
    }

    /**
     * The client when small files may go out before their 150 on this connection (plain FTP with PASV, SIZE
     * sent with the end of a transfer, nothing has turned it off).
     */
    Optional<DataPath.Plain> earlyPath(FTPClient client, Features features) {
        return earlyData && sizeWithEnd(features) && client instanceof DataPath.Plain p && p.usesPasv()
                ? Optional.of(p) : Optional.empty();
    }

    /**
     * The end of a STOR and the reply of the SIZE sent with it, in the order the server gave them.
     *
     * @return the temporary's size as SIZE told it; empty: ask afterwards
     */
    OptionalLong sizeAfterTransfer(FTPClient client, String temp) throws IOException, UpstreamException {
        int first = client.getReply();
        String firstText = client.getReplyString();
        int second;
        try {
            second = client.getReply();
        } catch (SocketTimeoutException e) {
            stopSizeWithEnd("did not answer a SIZE sent with the end of a transfer"); // it dropped it
            throw e;
        }
        if (Replies.refusedAsCommand(first) && !Replies.refusedAsCommand(second)) {
            // the SIZE reached the server during the transfer and was refused then, before the transfer's own
            // reply (pure-ftpd: "500 Unknown command"): the second reply is the STOR's
            stopSizeWithEnd("refused a SIZE sent with the end of a transfer (" + firstText.strip() + ")");
            if (!FTPReply.isPositiveCompletion(second)) {
                throw Replies.failure(where, UpstreamException.Reason.TRANSFER, client, "STOR " + temp);
            }
            return OptionalLong.empty();
        }
        if (first == FTPReply.FILE_STATUS) {
            // the server answered SIZE before the end of the transfer: that size may be short, ask again
            if (!FTPReply.isPositiveCompletion(second)) {
                throw Replies.failure(where, UpstreamException.Reason.TRANSFER, client, "STOR " + temp);
            }
            return OptionalLong.empty();
        }
        if (!FTPReply.isPositiveCompletion(first)) {
            // the server failed the transfer itself (disk, quota, a cut connection)
            throw new UpstreamException(UpstreamException.Reason.TRANSFER,
                    where + " STOR " + temp + ": " + firstText.strip());
        }
        return second == FTPReply.FILE_STATUS ? Replies.sizeNumber(where, client.getReplyString()) : OptionalLong.empty();
    }

    /**
     * The early path: STOR went out with the data connection already open and the bytes follow at once;
     * then SIZE, and the replies in order: the 150 (or a refusal, when the server never took the bytes),
     * the 226, SIZE's. Anything else than those turns the early path off for this upstream, and the file
     * is sent again the usual way.
     */
    OptionalLong storeEarly(FTPClient client, Uploader.Upload upload, String temp, Socket socket, Duration dataTimeout)
            throws IOException, UpstreamException {
        FileChannel file = upload.file();
        try {
            try (socket) {
                DataPath.send(file, 0, upload.size(), socket, dataTimeout, upload.progress(), upload.pace());
            } catch (IOException e) {
                // a server that refused the STOR may have closed the data connection: its reply says why
                int code = client.getReply();
                if (!FTPReply.isPositivePreliminary(code)) {
                    throw Replies.storRefused(where, client, code, "STOR " + temp);
                }
                throw e;
            }
            ((DataPath) client).sendTogether("SIZE " + temp);
            int preliminary = client.getReply();
            if (!FTPReply.isPositivePreliminary(preliminary)) {
                UpstreamException refused = Replies.storRefused(where, client, preliminary, "STOR " + temp);
                client.getReply(); // SIZE's
                if (refused.reason() == UpstreamException.Reason.REFUSED) {
                    throw refused;
                }
                throw earlyFailed(refused.getMessage());
            }
            return sizeAfterTransfer(client, temp);
        } catch (SocketTimeoutException e) {
            throw earlyFailed(where + " STOR " + temp + " with its bytes sent before the 150: " + e);
        }
    }

    /** From now on, for this upstream, SIZE waits for the transfer's reply (and small files for their 150). */
    private void stopSizeWithEnd(String why) {
        if (sizeWithEnd) {
            sizeWithEnd = false;
            LOG.log(System.Logger.Level.WARNING, "{0} {1}; from now on SIZE is asked after the 226", where, why);
        }
    }

    private UpstreamException earlyFailed(String what) {
        earlyData = false;
        LOG.log(System.Logger.Level.WARNING, "{0} {1}; from now on a file's bytes wait for the 150", where, what);
        return new UpstreamException(UpstreamException.Reason.TRANSFER, what);
    }
}
