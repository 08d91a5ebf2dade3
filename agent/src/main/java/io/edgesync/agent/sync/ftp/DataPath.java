package io.edgesync.agent.sync.ftp;

import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.function.LongConsumer;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * What the uploader needs from Commons Net beyond its public API: the data connection it opens for a
 * command (PASV/EPSV, REST, STOR and its 150 stay Commons Net's), so that the file goes out with
 * {@code sendfile} instead of through Commons Net's two 256 KiB copy buffers per transfer, and commands
 * sent together whose replies are then read in order ({@link FTPClient#getReply()}).
 */
interface DataPath {
    /** Most bytes one {@code sendfile} call is asked for. */
    long CHUNK = 8L << 20;
    /**
     * Bytes handed to a TLS data connection per write (no {@code sendfile} through TLS): each write is a step of
     * progress for the status and for the watchdog, so a slow link does not look like a stalled one.
     */
    int TLS_PIECE = 64 * 1024;

    /** The data connection for {@code command arg} after its preliminary reply, or null when refused. */
    Socket openData(String command, String arg) throws IOException;

    /** Sends the commands in one write without waiting; the caller reads one reply per command. */
    void sendTogether(String... commands) throws IOException;

    /**
     * @param tls the TLS context for {@code ftps://} (trust and host name check), or null for plain FTP
     * @param implicit TLS from the first byte instead of {@code AUTH TLS} (with {@code tls} only)
     */
    static FTPClient client(SSLContext tls, boolean implicit) {
        return tls != null ? new Tls(tls, implicit) : new Plain();
    }

    /**
     * Sends bytes {@code from} to {@code to} of {@code file} on {@code data}, telling {@code progress} the
     * position after every write the socket took. No write may wait longer than {@code timeout} for room in
     * the socket (a server that stops reading): with a channel, {@code sendfile} on the socket in non-blocking
     * mode, waiting for room with a timed select; through TLS, pieces of {@value #TLS_PIECE} bytes under a
     * {@link Watchdog} that closes the socket when one takes longer.
     *
     * Each write is first allowed by {@code pace} (a bandwidth limit makes the writes smaller and waits between
     * them; without one, they are as large as before).
     *
     * @throws SocketTimeoutException when the server took nothing for {@code timeout}
     */
    static void send(FileChannel file, long from, long to, Socket data, Duration timeout, LongConsumer progress,
                     Pace pace) throws IOException {
        SocketChannel channel = data.getChannel();
        if (channel != null) {
            sendFile(file, from, to, channel, timeout, progress, pace);
        } else {
            sendCopy(file, from, to, data, timeout, progress, pace);
        }
    }

    private static void sendFile(FileChannel file, long from, long to, SocketChannel channel, Duration timeout,
                                 LongConsumer progress, Pace pace) throws IOException {
        channel.configureBlocking(false);
        Selector selector = null;
        try {
            for (long pos = from; pos < to; ) {
                long allowed = pace.take(Math.min(CHUNK, to - pos));
                long n = file.transferTo(pos, allowed, channel);
                pace.sent(allowed, Math.max(0, n));
                if (n > 0) {
                    pos += n;
                    progress.accept(pos);
                    continue;
                }
                if (pos >= file.size()) {
                    throw new IOException("the spool file shrank to " + file.size() + " bytes while being sent");
                }
                if (selector == null) {
                    selector = Selector.open();
                    channel.register(selector, SelectionKey.OP_WRITE);
                }
                if (selector.select(Math.max(1, timeout.toMillis())) == 0) {
                    throw new SocketTimeoutException("the server took no data for " + timeout.toMillis()
                            + " ms (data-timeout) at byte " + pos);
                }
                selector.selectedKeys().clear();
            }
        } finally {
            if (selector != null) {
                selector.close();
            }
            if (channel.isOpen()) {
                channel.configureBlocking(true);
            }
        }
    }

    private static void sendCopy(FileChannel file, long from, long to, Socket data, Duration timeout,
                                 LongConsumer progress, Pace pace) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.clamp(to - from, 1, TLS_PIECE));
        OutputStream out = data.getOutputStream();
        try (Watchdog.Guard guard = Watchdog.guard(data, timeout)) {
            try {
                for (long pos = from; pos < to; ) {
                    int allowed = (int) pace.take(Math.min(buffer.capacity(), to - pos));
                    guard.progressed(); // a wait for the bandwidth limit is not the server's stall
                    buffer.clear().limit(allowed);
                    int n = file.read(buffer, pos);
                    if (n <= 0) {
                        pace.sent(allowed, 0);
                        throw new IOException("the spool file shrank to " + file.size() + " bytes while being sent");
                    }
                    out.write(buffer.array(), 0, n);
                    pace.sent(allowed, n);
                    pos += n;
                    guard.progressed();
                    progress.accept(pos);
                }
                out.flush();
            } catch (IOException e) {
                if (guard.timedOut()) {
                    throw new SocketTimeoutException("the server took no data for " + timeout.toMillis()
                            + " ms (data-timeout)");
                }
                throw e;
            }
        }
    }

    /**
     * Writes commands on the control connection in one flush, under a deadline (a server that stops reading
     * its control connection would otherwise hold the write for ever once the buffers are full).
     */
    private static void write(Socket control, Duration timeout, Writer out, String... commands) throws IOException {
        try (Watchdog.Guard guard = Watchdog.guard(control, timeout)) {
            try {
                for (String command : commands) {
                    out.write(command);
                    out.write("\r\n");
                }
                out.flush();
            } catch (IOException e) {
                if (guard.timedOut()) {
                    throw new SocketTimeoutException("the server read no command for " + timeout.toMillis() + " ms");
                }
                throw e;
            }
        }
    }

    /** Plain FTP: every socket has a channel, so the data connection can take {@code sendfile}. */
    final class Plain extends FTPClient implements DataPath {
        Plain() {
            setSocketFactory(new ChannelSockets());
        }

        /** Whether data connections are asked for with PASV (IPv4, EPSV not forced), which the early path needs. */
        boolean usesPasv() {
            return _socket_.getInetAddress() instanceof Inet4Address && !isUseEPSVwithIPv4();
        }

        /** Where a PASV reply ({@code 227 ...}) says to connect, or null when it says nothing usable. */
        InetSocketAddress passiveAddress(String reply) {
            try {
                _parsePassiveModeReply(reply);
                return new InetSocketAddress(getPassiveHost(), getPassivePort());
            } catch (IOException e) {
                return null;
            }
        }

        /**
         * The data connection, then {@code command arg} sent without waiting for its preliminary reply: the
         * caller sends the data at once and reads that reply (150, or a refusal) after it, so a small file
         * costs one wait on the control connection less. The connection goes to {@code ahead}, a PASV answered
         * earlier; if that is null or no longer listens, a PASV is sent now. Only where {@link #usesPasv()};
         * null when PASV is refused: the caller takes {@link #openData}.
         */
        Socket openDataEarly(String command, String arg, InetSocketAddress ahead) throws IOException {
            InetSocketAddress to = ahead;
            if (to == null) {
                if (pasv() != FTPReply.ENTERING_PASSIVE_MODE
                        || (to = passiveAddress(getReplyStrings()[0])) == null) {
                    return null;
                }
            }
            Socket socket = _socketFactory_.createSocket();
            try {
                socket.setSoTimeout((int) getDataTimeout().toMillis());
                socket.connect(to, connectTimeout);
            } catch (IOException e) {
                socket.close();
                if (ahead != null) {
                    return openDataEarly(command, arg, null); // the server closed that listener meanwhile
                }
                throw e;
            }
            try {
                if (isRemoteVerificationEnabled() && !verifyRemote(socket)) { // as Commons Net's own path checks
                    throw new IOException("the data connection goes to " + socket.getInetAddress()
                            + ", not to the server " + getRemoteAddress());
                }
                write(_socket_, Duration.ofMillis(getDefaultTimeout()), _controlOutput_, command + " " + arg);
                return socket;
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        @Override
        public Socket openData(String command, String arg) throws IOException {
            return _openDataConnection_(command, arg);
        }

        @Override
        public void sendTogether(String... commands) throws IOException {
            write(_socket_, Duration.ofMillis(getDefaultTimeout()), _controlOutput_, commands);
        }

        /** Every command Commons Net sends: its write under a deadline (its reply has the socket's timeout). */
        @Override
        @SuppressWarnings("try") // the guard only has to be closed
        public int sendCommand(String command, String args) throws IOException {
            try (Watchdog.Guard guard = Watchdog.guard(_socket_, Duration.ofMillis(2L * getDefaultTimeout()))) {
                return super.sendCommand(command, args);
            }
        }
    }

    /**
     * FTPS, explicit ({@code AUTH TLS}) or implicit: the server's certificate checked against the context's
     * trust and its host name; each data connection resumes the control connection's TLS session, which vsftpd
     * ({@code require_ssl_reuse}, on by default) and FileZilla Server demand. Data through TLS is copied
     * through a buffer (no {@code sendfile}).
     */
    final class Tls extends FTPSClient implements DataPath {
        Tls(SSLContext context, boolean implicit) {
            super(implicit, context);
            setEndpointCheckingEnabled(true);
            // TLS 1.2: a TLS 1.3 session resumes only with the server's single-use tickets (vsftpd gives two:
            // the third data connection got "522 SSL connection failed: session reuse required"); a TLS 1.2
            // session kept by id resumes as often as needed (see TlsResumption)
            setEnabledProtocols(new String[] {"TLSv1.2"});
        }

        @Override
        public Socket openData(String command, String arg) throws IOException {
            return _openDataConnection_(command, arg);
        }

        @Override
        public void sendTogether(String... commands) throws IOException {
            write(_socket_, Duration.ofMillis(getDefaultTimeout()), _controlOutput_, commands);
        }

        /** Every command Commons Net sends: its write under a deadline (its reply has the socket's timeout). */
        @Override
        @SuppressWarnings("try") // the guard only has to be closed
        public int sendCommand(String command, String args) throws IOException {
            try (Watchdog.Guard guard = Watchdog.guard(_socket_, Duration.ofMillis(2L * getDefaultTimeout()))) {
                return super.sendCommand(command, args);
            }
        }

        @Override
        protected void _prepareDataSocket_(Socket socket) {
            if (socket instanceof SSLSocket data && _socket_ instanceof SSLSocket control) {
                TlsResumption.offer(control, data);
            }
        }
    }

    /** Blocking sockets made from {@link SocketChannel}s (timeouts work as on plain sockets). */
    final class ChannelSockets extends SocketFactory {
        @Override
        public Socket createSocket() throws IOException {
            return SocketChannel.open().socket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            Socket socket = createSocket();
            socket.bind(new InetSocketAddress(localHost, localPort));
            socket.connect(new InetSocketAddress(host, port));
            return socket;
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            Socket socket = createSocket();
            socket.bind(new InetSocketAddress(localAddress, localPort));
            socket.connect(new InetSocketAddress(address, port));
            return socket;
        }

        private Socket connected(InetSocketAddress to) throws IOException {
            Socket socket = createSocket();
            socket.connect(to);
            return socket;
        }
    }
}
