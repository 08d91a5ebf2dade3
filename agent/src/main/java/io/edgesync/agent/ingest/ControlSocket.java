package io.edgesync.agent.ingest;

import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSession;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks the kernel whether a device's control connection has ended (a FIN or a reset already received) while
 * MINA's I/O thread has not read that end yet. The socket is registered, for one non-blocking poll, with a
 * selector of our own beside MINA's (a channel may be registered with several): readable with no byte to read
 * means its end. Nothing is read, so MINA's reading is untouched.
 *
 * <p>MINA 2.2 keeps the channel in {@code NioSession.channel} (protected): read by reflection here, and only
 * here; FtpServer's session wrapper hides MINA's session, which {@link InlineCommands} keeps as an attribute.
 * If either is missing, {@link #atEnd} says false and the decision rests on whether FtpServer has closed the
 * session (the race this closes is then open again; {@code UploadTrustTest} would show it).
 */
final class ControlSocket {
    private static final System.Logger LOG = System.getLogger(ControlSocket.class.getName());
    private static final Object POLL = new Object();
    private static Selector selector; // guarded by POLL

    private ControlSocket() {
    }

    /** Whether the direct check is available (tests). */
    static boolean direct() {
        return FtpServerInternals.missing().isEmpty();
    }

    /**
     * True when the connection has ended in the kernel (FIN or reset) and nothing unread is left before the end,
     * now or within {@code wait}: a client killed mid-upload closes its sockets one by one, and curl's data
     * socket has the lower descriptor, so its end can come a moment before the control connection's.
     */
    static boolean atEnd(IoSession session, Duration wait) {
        Optional<SocketChannel> channel = channel(session);
        if (channel.isEmpty()) {
            return false;
        }
        SocketChannel socket = channel.get();
        try {
            if (!readable(socket) && (wait.isZero() || !readableWithin(socket, wait))) {
                return false;
            }
            return socket.socket().getInputStream().available() == 0;
        } catch (IOException e) {
            return true; // reset or closed
        }
    }

    /** Waits up to {@code wait} for the socket to become readable, on a selector of its own (waits run at once). */
    private static boolean readableWithin(SocketChannel socket, Duration wait) throws IOException {
        try (Selector own = Selector.open()) {
            SelectionKey key = socket.register(own, SelectionKey.OP_READ);
            return own.select(Math.max(1, wait.toMillis())) > 0 && key.isReadable();
        }
    }

    private static Optional<SocketChannel> channel(IoSession session) {
        Optional<IoSession> nio = InlineCommands.ioSession(session).filter(NioSession.class::isInstance);
        return nio.flatMap(s -> FtpServerInternals.channel((NioSession) s));
    }

    private static boolean readable(SocketChannel socket) throws IOException {
        synchronized (POLL) {
            if (selector == null) {
                selector = Selector.open();
            }
            SelectionKey key = socket.register(selector, SelectionKey.OP_READ);
            try {
                selector.selectNow();
                return key.isValid() && key.isReadable();
            } finally {
                key.cancel();
                selector.selectNow(); // deregisters the cancelled key now, so the next poll can register again
            }
        }
    }
}
