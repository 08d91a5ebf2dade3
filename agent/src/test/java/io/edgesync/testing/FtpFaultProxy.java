package io.edgesync.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.edgesync.testing.Sockets.abort;
import static io.edgesync.testing.Sockets.closeQuietly;

/**
 * An FTP-aware fault proxy between a client and a real FTP server on loopback. It relays the control
 * connection line by line, rewrites each {@code 227} PASV reply to a data port of its own, and relays
 * data connections, counting the bytes sent towards the server. A test arms one fault at a time:
 * cut the next upload's data connection after N bytes (the server gets exactly N, the client a reset),
 * truncate it (the server gets N bytes and the end of the stream, the client sends all of it, unaware),
 * drop the control connection right after an upload's data connection closes (the 226 is lost), send the
 * next 226 after the reply that follows it (as a server answering commands during a transfer would), or
 * stall data (a blackhole: nothing forwarded, nothing closed). Passive mode over IPv4 only (what
 * Commons Net uses by default).
 */
public final class FtpFaultProxy implements AutoCloseable {
    /** The fault armed for the next upload, consumed when it fires. */
    public enum Fault { NONE, CUT_DATA, TRUNCATE_DATA, LOSE_226, LATE_226, STALL_DATA, REPLACE_STOR, CUT_BEFORE_227,
        STOP_READING }

    private static final Pattern PASV = Pattern.compile("227 .*\\((\\d+),(\\d+),(\\d+),(\\d+),(\\d+),(\\d+)\\)");

    private final int serverPort;
    private final ServerSocket control;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicReference<Fault> fault = new AtomicReference<>(Fault.NONE);
    private final AtomicLong cutAfter = new AtomicLong();
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final AtomicLong faultsFired = new AtomicLong();
    private volatile String storReply;
    private volatile long uploadBytesPerSecond; // 0: as fast as the sockets go
    private volatile boolean holdingReads;      // a STOP_READING connection is held unread until heal()
    private final List<ServerSocket> passiveListeners = new CopyOnWriteArrayList<>();

    public FtpFaultProxy(int serverPort) throws IOException {
        this.serverPort = serverPort;
        this.control = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("ftp-proxy-accept").start(this::acceptControl);
    }

    public int port() {
        return control.getLocalPort();
    }

    /** Bytes relayed from clients to the server on data connections since the start. */
    public long uploadedBytes() {
        return uploadedBytes.get();
    }

    public long faultsFired() {
        return faultsFired.get();
    }

    public void cutNextUploadAfter(long bytes) {
        cutAfter.set(bytes);
        fault.set(Fault.CUT_DATA);
    }

    /** The server gets the first {@code bytes} and then the end of the stream; the client sees no error. */
    public void truncateNextUploadAfter(long bytes) {
        cutAfter.set(bytes);
        fault.set(Fault.TRUNCATE_DATA);
    }

    /** The next 226 reaches the client after the server's next reply, as if that came first. */
    public void delayNext226() {
        fault.set(Fault.LATE_226);
    }

    public void loseNext226() {
        fault.set(Fault.LOSE_226);
    }

    /**
     * The next STOR never reaches the server: the client gets {@code reply} instead (the bytes it may have sent
     * already go to a data connection the server never takes).
     */
    public void replyToNextStor(String reply) {
        storReply = reply;
        fault.set(Fault.REPLACE_STOR);
    }

    /**
     * Closes the data ports of PASV replies no client has connected to yet, as a server that drops an unused
     * passive listener does: the client is refused there. Each port stays bound, not listening, until the
     * proxy closes, so that no other test's listener takes it meanwhile.
     */
    public void closeWaitingPassivePorts() throws IOException {
        for (ServerSocket listener : passiveListeners) {
            passiveListeners.remove(listener);
            int port = listener.getLocalPort();
            listener.close(); // its accepting thread lets the port go a moment later
            Socket holder = new Socket(); // without SO_REUSEADDR: nobody else binds the port
            sockets.add(holder);
            for (int attempt = 1; ; attempt++) {
                try {
                    holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    break;
                } catch (BindException e) {
                    if (attempt == 200) {
                        throw e;
                    }
                    LockSupport.parkNanos(10_000_000); // up to 2 s in all
                }
            }
        }
    }

    /**
     * The control connection is closed when the server's next PASV reply (227) comes, before the client gets
     * it; the replies before it arrive.
     */
    public void cutBeforeNext227() {
        fault.set(Fault.CUT_BEFORE_227);
    }

    /** Uploads from now on reach the server at most this fast, as over a slow uplink (0: no limit). */
    public void throttleUploads(long bytesPerSecond) {
        uploadBytesPerSecond = bytesPerSecond;
    }

    public void stallData() {
        fault.set(Fault.STALL_DATA);
    }

    /**
     * The next upload's data connection stops being read after {@code bytes} (held open, nothing closed): as an
     * upstream that stops reading, the client's writes block once the sockets' buffers are full. Until
     * {@link #heal()} or the proxy closes.
     */
    public void stopReadingNextUploadAfter(long bytes) {
        cutAfter.set(bytes);
        fault.set(Fault.STOP_READING);
    }

    /**
     * Closes every connection relayed now, control and data, with a reset towards the client: as an upstream
     * that restarts. New connections are relayed as before.
     */
    public void dropConnections() {
        for (Socket s : sockets) {
            abort(s);
        }
        sockets.clear();
    }

    public void heal() {
        fault.set(Fault.NONE);
        holdingReads = false;
    }

    private void acceptControl() {
        while (!control.isClosed()) {
            Socket client;
            try {
                client = control.accept();
            } catch (IOException e) {
                return; // the proxy closed
            }
            try {
                Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                sockets.add(client);
                sockets.add(server);
                Session session = new Session(client, server);
                Thread.ofVirtual().start(session::clientToServer);
                Thread.ofVirtual().start(session::serverToClient);
            } catch (IOException serverDown) {
                abort(client); // as the server itself would: its port refuses while it restarts
            }
        }
    }

    /** One control connection and the data connections it opens. */
    private final class Session {
        private final Socket client;
        private final Socket server;
        private volatile boolean dropOnNextReply;
        private String late226; // held back until the next reply

        Session(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void clientToServer() {
            relayLines(client, server, line -> {
                if (line.startsWith("STOR ") && fault.compareAndSet(Fault.REPLACE_STOR, Fault.NONE)) {
                    faultsFired.incrementAndGet();
                    synchronized (client) {
                        client.getOutputStream().write((storReply + "\r\n").getBytes(StandardCharsets.UTF_8));
                        client.getOutputStream().flush();
                    }
                    return "";
                }
                return line;
            });
        }

        /** Rewrites PASV replies to the proxy's own data ports; drops the connection instead of a lost 226. */
        void serverToClient() {
            relayLines(server, client, line -> {
                Matcher pasv = PASV.matcher(line);
                if (pasv.find() && fault.compareAndSet(Fault.CUT_BEFORE_227, Fault.NONE)) {
                    faultsFired.incrementAndGet();
                    return null; // the relay ends and closes both sides, as a server that goes away does
                }
                if (pasv.find(0)) {
                    int port = Integer.parseInt(pasv.group(5)) * 256 + Integer.parseInt(pasv.group(6));
                    return "227 Entering Passive Mode (127,0,0,1," + relayData(port) + ")";
                }
                if (dropOnNextReply && line.startsWith("226")) {
                    faultsFired.incrementAndGet();
                    abort(client);
                    return null;
                }
                if (line.startsWith("226") && fault.compareAndSet(Fault.LATE_226, Fault.NONE)) {
                    faultsFired.incrementAndGet();
                    late226 = line;
                    return "";
                }
                if (late226 != null) {
                    String held = late226;
                    late226 = null;
                    return line + "\r\n" + held;
                }
                return line;
            });
        }

        /** Copies control lines from one side to the other through {@code rewrite}; "" holds one back, null ends the relay. */
        private void relayLines(Socket from, Socket to, LineRewrite rewrite) {
            try (BufferedReader in = reader(from); OutputStream out = to.getOutputStream()) {
                String line;
                while ((line = in.readLine()) != null) {
                    String relayed = rewrite.apply(line);
                    if (relayed == null) {
                        return;
                    }
                    if (relayed.isEmpty()) {
                        continue; // held back
                    }
                    synchronized (to) { // the client side also gets replies the proxy makes up
                        out.write((relayed + "\r\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // either side went away
            } finally {
                closeQuietly(client);
                closeQuietly(server);
            }
        }

        /** Listens for the client's data connection and relays it to the server's {@code port}. */
        private String relayData(int port) throws IOException {
            ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            passiveListeners.add(listener);
            Thread.ofVirtual().start(() -> {
                try (listener) {
                    Socket fromClient = listener.accept();
                    passiveListeners.remove(listener);
                    Socket toServer = new Socket();
                    toServer.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                    sockets.add(fromClient);
                    sockets.add(toServer);
                    Thread.ofVirtual().start(() -> pumpData(toServer, fromClient, false));
                    pumpData(fromClient, toServer, true);
                } catch (IOException e) {
                    // the client never connected or the server refused
                }
            });
            int p = listener.getLocalPort();
            return (p / 256) + "," + (p % 256);
        }

        /**
         * Relays one direction of a data connection. Client-to-server bytes are an upload (a client connects
         * before it sends STOR, so the direction, not the command, tells); the armed fault is taken when the
         * first bytes arrive.
         */
        private void pumpData(Socket from, Socket to, boolean clientToServer) {
            Fault armed = null;
            byte[] buf = new byte[32 * 1024];
            long sent = 0;
            long startNanos = System.nanoTime();
            try {
                // not closed here: closing a socket's stream closes the socket, and a half-close must not
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (armed == null) {
                        armed = clientToServer ? fault.get() : Fault.NONE;
                    }
                    if (armed == Fault.STALL_DATA && fault.get() == Fault.STALL_DATA) {
                        continue; // swallow: the server sees nothing, the client sees no error
                    }
                    if (armed == Fault.STOP_READING && sent + n > cutAfter.get()) {
                        faultsFired.incrementAndGet();
                        fault.compareAndSet(Fault.STOP_READING, Fault.NONE);
                        holdingReads = true;
                        holdUnread(from); // nothing more is read: the client's writes fill the buffers and block
                        closeQuietly(from);
                        closeQuietly(to);
                        return;
                    }
                    if ((armed == Fault.CUT_DATA || armed == Fault.TRUNCATE_DATA) && sent + n > cutAfter.get()) {
                        int keep = (int) (cutAfter.get() - sent);
                        out.write(buf, 0, keep);
                        out.flush();
                        uploadedBytes.addAndGet(keep);
                        fault.compareAndSet(armed, Fault.NONE);
                        faultsFired.incrementAndGet();
                        // The server keeps what it was sent (FIN: an RST would make its kernel drop what it has
                        // not read yet, and the test could not tell how much is upstream).
                        to.shutdownOutput();
                        if (armed == Fault.CUT_DATA) {
                            abort(from); // the client sees a reset
                        } else {
                            in.transferTo(OutputStream.nullOutputStream()); // the client sends on, unaware
                        }
                        closeQuietly(from);
                        closeQuietly(to);
                        return;
                    }
                    out.write(buf, 0, n);
                    sent += n;
                    if (clientToServer) {
                        uploadedBytes.addAndGet(n);
                        pace(sent, startNanos);
                    }
                }
                if (armed == Fault.LOSE_226 && fault.compareAndSet(Fault.LOSE_226, Fault.NONE)) {
                    dropOnNextReply = true;
                }
                if (armed == Fault.STALL_DATA) {
                    faultsFired.incrementAndGet();
                    holdOpen(to); // a blackhole: the server never sees the end, nobody sees an error
                }
                if (!clientToServer) {
                    to.shutdownOutput(); // half-close: the upload's direction ends the connection
                    return;
                }
            } catch (IOException e) {
                // a side closed
            }
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Waits until {@code sent} bytes since {@code startNanos} are within the upload limit, if there is one. */
    private void pace(long sent, long startNanos) {
        long rate = uploadBytesPerSecond;
        if (rate > 0) {
            long due = startNanos + sent * 1_000_000_000L / rate;
            java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
        }
    }

    /** Keeps {@code s} open without reading it, until it is closed or the proxy heals (at most two minutes). */
    private void holdUnread(Socket s) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        while (!s.isClosed() && holdingReads && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }

    /** Keeps {@code s} open while data is stalled (at most a minute, or until the proxy closes). */
    private void holdOpen(Socket s) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (fault.get() == Fault.STALL_DATA && !s.isClosed() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }

    @FunctionalInterface
    private interface LineRewrite {
        String apply(String line) throws IOException;
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        closeQuietly(control);
        sockets.forEach(Sockets::closeQuietly);
    }
}
