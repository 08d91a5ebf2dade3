package io.edgesync.agent.ingest;

import org.apache.mina.core.session.IoSession;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One device upload in progress, as its control connection sees it: whether the device sent {@code ABOR}
 * or {@code QUIT} meanwhile ({@link InlineCommands} reads every line as it arrives, before the commands queue
 * behind the upload), and whether the device is still there when the upload's data ends.
 *
 * <p>Why the last question: in stream mode a data connection that ends with a FIN looks like a complete file,
 * and a device process killed mid-upload ends both its connections with a plain FIN at the same instant. The
 * upload is complete only if its control connection is still open when the data ends (or the device said
 * {@code QUIT} after it, as a client that does not wait for the 226 does). FtpServer learns of a closed control
 * connection only when MINA's I/O thread gets to it, which can come after the data's end has been read, so
 * the connection's socket is asked directly ({@link ControlSocket}).
 *
 * <p>Kept as a session attribute while the upload runs. Thread-safe: the flags are set on MINA's I/O thread
 * and read on the upload's.
 */
final class Transfer {
    static final String KEY = "edgesync.transfer";
    /** How long a control connection found at its end gets for MINA to read what came before the end. */
    private static final Duration SETTLE = Duration.ofMillis(500);
    private static final System.Logger LOG = System.getLogger(Transfer.class.getName());

    private final IoSession control;
    private volatile Socket data;
    private volatile boolean aborted;
    private volatile boolean cut;
    private volatile boolean quit;
    private final long startNanos = System.nanoTime();

    private Transfer(IoSession control) {
        this.control = control;
    }

    /** Registers a new upload on {@code control}. */
    static Transfer begin(IoSession control) {
        Transfer transfer = new Transfer(control);
        control.setAttribute(KEY, transfer);
        return transfer;
    }

    /** The upload running on {@code control}, if any. */
    static Optional<Transfer> of(IoSession control) {
        return Optional.ofNullable((Transfer) control.getAttribute(KEY));
    }

    void end() {
        control.removeAttribute(KEY, this);
    }

    /** The data connection, so that {@link #abort} can close it. */
    void attach(Socket socket) {
        data = socket;
        if (aborted || cut) { // an ABOR or the control connection's end that came before the data connection
            closeData();
        }
    }

    /** The device sent ABOR: the data connection is closed now, and the upload is not kept. */
    void abort() {
        aborted = true;
        closeData();
    }

    /**
     * The control connection closed without QUIT: the data connection is closed now (its port and the login
     * slot come back at once, not when the data times out). Not an ABOR: what arrived is kept as a cut upload
     * for the device to continue ({@code ftp.partial-keep}).
     */
    void cut() {
        cut = true;
        closeData();
    }

    boolean aborted() {
        return aborted;
    }

    /**
     * How long to wait for the control connection's end once the data has ended: a fiftieth of the upload's time,
     * at most 20 ms (the devices of the uploads that matter most, long ones, pay least for it in proportion).
     */
    Duration grace() {
        return Duration.ofNanos(Math.min(TimeUnit.MILLISECONDS.toNanos(20), (System.nanoTime() - startNanos) / 50));
    }

    /** The device sent QUIT: it ended its session on purpose, after the data it had sent. */
    void quitSeen() {
        quit = true;
    }

    boolean quitWasSeen() {
        return quit;
    }

    private void closeData() {
        Socket socket = data;
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing an aborted upload''s data connection: {0}", e.toString());
            }
        }
    }

    /**
     * Whether the device is gone: its control connection closed or at its end with nothing left to read, and
     * no QUIT from it. Called once the data has ended, after the fsync, and again after the record; the first
     * time it waits up to {@code grace} for an end on its way (see {@link ControlSocket#atEnd}).
     */
    boolean deviceGone(Duration grace) throws InterruptedException {
        if (quit) {
            return false;
        }
        if (control.isConnected() && !control.isClosing() && !ControlSocket.atEnd(control, grace)) {
            return false;
        }
        // MINA may be reading the last bytes before that end (a QUIT): once it has closed the session, it has
        // fired every command that came before
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (control.isConnected() && System.nanoTime() < deadline) {
            control.getCloseFuture().await(20, TimeUnit.MILLISECONDS);
        }
        return !quit;
    }
}
