package io.edgesync.agent.sync.ftp;

import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.OptionalLong;

/** How the upstream session turns FTP replies and I/O errors into {@link UpstreamException}s, and reads numbers. */
final class Replies {
    private static final System.Logger LOG = System.getLogger(Replies.class.getName());

    private Replies() {
    }

    /** The last reply of {@code client} to {@code command}, as a failure for {@code reason}. */
    static UpstreamException failure(String where, UpstreamException.Reason reason, FTPClient client, String command) {
        String reply = client.getReplyString() == null ? "(no reply)" : client.getReplyString().strip();
        return new UpstreamException(reason, where + " " + command + ": " + reply);
    }

    /** An I/O error: a timeout anywhere in its causes, else {@code otherwise}. */
    static UpstreamException io(String where, IOException e, UpstreamException.Reason otherwise, String command) {
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

    /** A STOR that was not taken: 550/553/532 refuse the file (it is parked), anything else fails the attempt. */
    static UpstreamException storRefused(String where, FTPClient client, int code, String command) {
        UpstreamException.Reason reason = code == 553 || code == 550 || code == 532
                ? UpstreamException.Reason.REFUSED : UpstreamException.Reason.TRANSFER;
        return failure(where, reason, client, command);
    }

    /**
     * A reply that refuses a command as such (500 unknown, 501 syntax, 502 not implemented), not a transfer's
     * failure (4xx, or 55x for the file).
     */
    static boolean refusedAsCommand(int code) {
        return code == 500 || code == 501 || code == 502;
    }

    /** The number a SIZE reply carries (after its code, or alone as Commons Net's getSize gives it), if any. */
    static OptionalLong sizeNumber(String where, String text) {
        String number = text.strip();
        if (number.startsWith(FTPReply.FILE_STATUS + " ")) {
            number = number.substring(4).strip();
        }
        try {
            return OptionalLong.of(Long.parseLong(number));
        } catch (NumberFormatException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0} SIZE answered {1}", where, text);
            return OptionalLong.empty();
        }
    }

    static void disconnect(FTPClient client) {
        if (!client.isConnected()) {
            return;
        }
        try {
            client.disconnect();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "disconnect failed: {0}", e.toString());
        }
    }
}
