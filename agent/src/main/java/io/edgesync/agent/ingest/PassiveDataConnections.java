package io.edgesync.agent.ingest;

import io.edgesync.agent.telemetry.LogThrottle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ftpserver.DataConnectionConfiguration;
import org.apache.ftpserver.DataConnectionException;
import org.apache.ftpserver.ftplet.DataConnection;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;
import org.apache.ftpserver.impl.IODataConnection;
import org.apache.ftpserver.impl.IODataConnectionFactory;
import org.apache.ftpserver.ssl.SslConfiguration;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Passive data connections that a LAN's scanners cannot break or hoard. FtpServer's own
 * ({@link IODataConnectionFactory}) accepts one connection on the passive port and, when it comes from
 * another address than the control connection's, fails the transfer: a port scanner aborted real uploads.
 * Here a foreign connection is closed (counted in {@code edgesync.ftp.passive.foreign}, logged once per
 * address and minute) and the port keeps waiting for its client, up to the data idle time. And one client
 * address holds at most half of {@code ftp.passive-ports} at once: past that, its PASV/EPSV gets 425.
 *
 * <p>Installed per control connection, as the session's data connection factory, by {@link #filter}.
 * FtpServer 1.2.1 keeps the fields this needs package-private: {@link FtpServerInternals}.
 */
final class PassiveDataConnections {
    private static final System.Logger LOG = System.getLogger(PassiveDataConnections.class.getName());
    /** FtpIoSession.ATTRIBUTE_DATA_CONNECTION (private there): read by {@code FtpIoSession.getDataConnection}. */
    private static final String ATTRIBUTE = "org.apache.ftpserver.data-connection";
    private final int maxPerAddress;
    private final Map<String, Integer> held = new HashMap<>(); // guarded by this
    private final LogThrottle throttled = new LogThrottle(LOG, Duration.ofMinutes(1));
    private final Counter foreign;
    private final Counter refused;

    /** @param ports how many ports {@code ftp.passive-ports} holds */
    PassiveDataConnections(int ports, MeterRegistry registry) {
        this.maxPerAddress = Math.max(1, ports / 2);
        this.foreign = Counter.builder("edgesync.ftp.passive.foreign")
                .description("Connections to a passive data port from another address than its session's: closed")
                .register(registry);
        this.refused = Counter.builder("edgesync.ftp.passive.refused")
                .description("PASV/EPSV refused: the client's address holds half of ftp.passive-ports already")
                .register(registry);
    }

    /** The filter (last in the chain) that gives each new control connection its data connection factory. */
    IoFilterAdapter filter(FtpServerContext context) {
        return new IoFilterAdapter() {
            @Override
            public void sessionCreated(NextFilter next, IoSession session) throws Exception {
                next.sessionCreated(session); // FtpServer's handler sets the session's listener
                FtpIoSession ftp = new FtpIoSession(session, context);
                Factory factory = new Factory(context, ftp);
                factory.setServerControlAddress(((InetSocketAddress) session.getLocalAddress()).getAddress());
                session.setAttribute(ATTRIBUTE, factory);
            }
        };
    }

    private synchronized boolean take(String address) {
        int n = held.getOrDefault(address, 0);
        if (n >= maxPerAddress) {
            return false;
        }
        held.put(address, n + 1);
        return true;
    }

    private synchronized void give(String address) {
        held.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
    }

    private final class Factory extends IODataConnectionFactory {
        private final FtpIoSession control;
        private final String address;
        private boolean holding; // guarded by this

        Factory(FtpServerContext context, FtpIoSession control) {
            super(context, control);
            this.control = control;
            this.address = Sessions.clientIp(control);
        }

        @Override
        public synchronized InetSocketAddress initPassiveDataConnection() throws DataConnectionException {
            closeDataConnection();
            if (!take(address)) {
                refused.increment();
                throttled.log("ports " + address, System.Logger.Level.WARNING, () -> "PASV from " + address
                        + " refused: it holds " + maxPerAddress + " passive ports already (half of ftp.passive-ports)");
                throw new DataConnectionException("This address holds its share of passive ports; finish a transfer first.");
            }
            InetSocketAddress port;
            try {
                port = super.initPassiveDataConnection(); // calls closeDataConnection() first: holding is set after
            } catch (DataConnectionException | RuntimeException e) {
                give(address);
                throw e;
            }
            holding = true;
            return port;
        }

        @Override
        public synchronized void closeDataConnection() {
            super.closeDataConnection();
            if (holding) {
                holding = false;
                give(address);
            }
        }

        @Override
        public DataConnection openConnection() throws Exception {
            if (!FtpServerInternals.passive(this)) {
                return super.openConnection();
            }
            Socket socket = accept();
            synchronized (this) {
                FtpServerInternals.setDataSocket(this, socket); // closed with the data connection, as FtpServer's own
            }
            return new IODataConnection(socket, control, this);
        }

        /** The first connection from the control connection's address; others are closed and it waits on. */
        private Socket accept() throws Exception {
            ServerSocket server;
            boolean secure;
            synchronized (this) {
                server = FtpServerInternals.serverSocket(this);
                secure = FtpServerInternals.secure(this);
            }
            if (server == null) {
                throw new DataConnectionException("No passive data port is open: send PASV or EPSV first.");
            }
            DataConnectionConfiguration config = control.getListener().getDataConnectionConfiguration();
            long idleMillis = config.getIdleTime() * 1000L;
            long deadline = System.nanoTime() + idleMillis * 1_000_000L;
            InetAddress expected = ((InetSocketAddress) control.getRemoteAddress()).getAddress();
            Socket socket;
            try {
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        throw new SocketTimeoutException("no data connection from " + expected.getHostAddress()
                                + " within " + config.getIdleTime() + " s");
                    }
                    server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                    Socket candidate = server.accept();
                    if (candidate.getInetAddress().equals(expected)) {
                        socket = candidate;
                        break;
                    }
                    foreign.increment();
                    String from = candidate.getInetAddress().getHostAddress();
                    throttled.log("foreign " + from, System.Logger.Level.WARNING, () -> "connection to passive port "
                            + server.getLocalPort() + " from " + from + " closed: the port waits for "
                            + expected.getHostAddress());
                    candidate.setSoLinger(true, 0); // a reset: no TIME_WAIT left on the passive port
                    candidate.close();
                }
                if (secure) {
                    socket = tls(socket);
                }
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, idleMillis));
                if (socket instanceof SSLSocket tls) {
                    tls.startHandshake(); // an empty listing must still be a TLS session
                }
                return socket;
            } catch (IOException | RuntimeException e) {
                closeDataConnection();
                throw e;
            }
        }

        private Socket tls(Socket plain) throws IOException {
            SslConfiguration ssl = control.getListener().getDataConnectionConfiguration().getSslConfiguration();
            if (ssl == null) {
                ssl = control.getListener().getSslConfiguration();
            }
            if (ssl == null) {
                plain.close();
                throw new IOException("data connection TLS is not configured");
            }
            SSLSocket socket;
            try {
                socket = (SSLSocket) ssl.getSocketFactory().createSocket(plain,
                        plain.getInetAddress().getHostAddress(), plain.getPort(), true);
            } catch (java.security.GeneralSecurityException e) {
                plain.close();
                throw new IOException("data connection TLS: " + e.getMessage(), e);
            }
            socket.setUseClientMode(false);
            if (ssl.getEnabledCipherSuites() != null) {
                socket.setEnabledCipherSuites(ssl.getEnabledCipherSuites());
            }
            if (ssl.getEnabledProtocols() != null) {
                socket.setEnabledProtocols(ssl.getEnabledProtocols());
            }
            return socket;
        }
    }
}
