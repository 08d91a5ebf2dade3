package io.edgesync.agent.ingest;

import org.apache.ftpserver.ssl.ClientAuth;
import org.apache.ftpserver.ssl.SslConfiguration;

import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;

/**
 * FtpServer's TLS settings with data connections that end politely under TLS 1.3. The JDK closes a TLS 1.3
 * socket with a {@code user_canceled} alert before its {@code close_notify} (measured with
 * {@code openssl s_client -msg}); rclone ("tls: user canceled") and lftp (a fatal alert after an empty listing or
 * a 0 B download) fail the transfer on it. Shutting the output down first sends {@code close_notify} alone, as
 * vsftpd does. Every data socket FtpServer makes through {@link #getSocketFactory()} is such a socket (also
 * when FtpServer closes one of its streams, as after a listing); the control connection is MINA's and not
 * concerned.
 */
public final class TlsDataSockets implements SslConfiguration {
    private static final String TICKETS = "jdk.tls.server.newSessionTicketCount";
    private static final String TLS12_TICKETS = "jdk.tls.server.enableSessionTicketExtension";
    private final SslConfiguration delegate;

    /**
     * The device side's TLS 1.3 sends no session tickets (unless the operator set the property). A TLS 1.3
     * server sends its tickets right after the handshake; on an upload's data connection the client only
     * writes, so they sit unread in its socket, and its close then resets the connection instead of ending
     * it: FtpServer lost the end of the file (curl 0.3-1 MB uploads got 426, 6 of 6; lftp 6 of 17). FtpServer
     * requires no session reuse, so nothing needs the tickets. Read once by the JDK: call before any TLS use.
     */
    public static void configureJdk() {
        if (System.getProperty(TICKETS) == null) {
            System.setProperty(TICKETS, "0");
            // with no tickets to send, TLS 1.2 must not promise one either: the JDK still accepts a client's
            // session_ticket extension, then sends none, and GnuTLS (lftp) and OpenSSL (Python's ftplib) fail
            // the handshake ("unexpected TLS packet", measured); TLS 1.2 sessions stay resumable by id
            System.setProperty(TLS12_TICKETS, "false");
        }
    }

    private TlsDataSockets(SslConfiguration delegate) {
        this.delegate = delegate;
    }

    static TlsDataSockets of(SslConfiguration delegate) {
        return new TlsDataSockets(delegate);
    }

    @Override
    public SSLSocketFactory getSocketFactory() throws GeneralSecurityException {
        return new Factory(delegate.getSocketFactory());
    }

    @Override
    public SSLContext getSSLContext() throws GeneralSecurityException {
        return delegate.getSSLContext();
    }

    @Override
    public SSLContext getSSLContext(String protocol) throws GeneralSecurityException {
        return delegate.getSSLContext(protocol);
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return delegate.getEnabledCipherSuites();
    }

    @Override
    public String getEnabledProtocol() {
        return delegate.getEnabledProtocol();
    }

    @Override
    public String[] getEnabledProtocols() {
        return delegate.getEnabledProtocols();
    }

    @Override
    public ClientAuth getClientAuth() {
        return delegate.getClientAuth();
    }

    private static final class Factory extends SSLSocketFactory {
        private final SSLSocketFactory factory;

        Factory(SSLSocketFactory factory) {
            this.factory = factory;
        }

        @Override
        public Socket createSocket() throws IOException {
            return new PoliteSocket((SSLSocket) factory.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return new PoliteSocket((SSLSocket) factory.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return new PoliteSocket((SSLSocket) factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return new PoliteSocket((SSLSocket) factory.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return new PoliteSocket((SSLSocket) factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return new PoliteSocket((SSLSocket) factory.createSocket(address, port, localAddress, localPort));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return factory.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return factory.getSupportedCipherSuites();
        }
    }

    /**
     * An SSLSocket whose {@link #close()} completes the handshake and sends {@code close_notify} alone;
     * everything else is the JDK's.
     */
    static final class PoliteSocket extends SSLSocket {
        private static final int HANDSHAKE_MILLIS = 10_000;
        private final SSLSocket d;

        PoliteSocket(SSLSocket socket) {
            this.d = socket;
        }

        @Override
        public void close() throws IOException {
            if (!d.isClosed() && d.isConnected() && !d.isOutputShutdown()) {
                try {
                    // an empty listing or a 0 B download sends nothing, so the JDK has not shaken hands yet and
                    // would cut the client's handshake with user_canceled (rclone "tls: user canceled" on an
                    // empty folder, measured); vsftpd shakes hands at accept. Bounded: the client is at it.
                    if (d.getSoTimeout() == 0 || d.getSoTimeout() > HANDSHAKE_MILLIS) {
                        d.setSoTimeout(HANDSHAKE_MILLIS);
                    }
                    d.getSession(); // the handshake if none was made; returns at once if it was
                    d.shutdownOutput(); // close_notify, without TLS 1.3's user_canceled before it
                } catch (IOException | UnsupportedOperationException e) {
                    // the peer is gone, or a layered socket refuses: the plain close below still ends it
                }
            }
            d.close();
        }

        // SSLSocket
        @Override public String[] getSupportedCipherSuites() { return d.getSupportedCipherSuites(); }
        @Override public String[] getEnabledCipherSuites() { return d.getEnabledCipherSuites(); }
        @Override public void setEnabledCipherSuites(String[] suites) { d.setEnabledCipherSuites(suites); }
        @Override public String[] getSupportedProtocols() { return d.getSupportedProtocols(); }
        @Override public String[] getEnabledProtocols() { return d.getEnabledProtocols(); }
        @Override public void setEnabledProtocols(String[] protocols) { d.setEnabledProtocols(protocols); }
        @Override public SSLSession getSession() { return d.getSession(); }
        @Override public SSLSession getHandshakeSession() { return d.getHandshakeSession(); }
        @Override public void addHandshakeCompletedListener(HandshakeCompletedListener l) { d.addHandshakeCompletedListener(l); }
        @Override public void removeHandshakeCompletedListener(HandshakeCompletedListener l) { d.removeHandshakeCompletedListener(l); }
        @Override public void startHandshake() throws IOException { d.startHandshake(); }
        @Override public void setUseClientMode(boolean mode) { d.setUseClientMode(mode); }
        @Override public boolean getUseClientMode() { return d.getUseClientMode(); }
        @Override public void setNeedClientAuth(boolean need) { d.setNeedClientAuth(need); }
        @Override public boolean getNeedClientAuth() { return d.getNeedClientAuth(); }
        @Override public void setWantClientAuth(boolean want) { d.setWantClientAuth(want); }
        @Override public boolean getWantClientAuth() { return d.getWantClientAuth(); }
        @Override public void setEnableSessionCreation(boolean flag) { d.setEnableSessionCreation(flag); }
        @Override public boolean getEnableSessionCreation() { return d.getEnableSessionCreation(); }
        @Override public SSLParameters getSSLParameters() { return d.getSSLParameters(); }
        @Override public void setSSLParameters(SSLParameters params) { d.setSSLParameters(params); }
        @Override public String getApplicationProtocol() { return d.getApplicationProtocol(); }
        @Override public String getHandshakeApplicationProtocol() { return d.getHandshakeApplicationProtocol(); }

        // Socket
        @Override public void connect(SocketAddress endpoint) throws IOException { d.connect(endpoint); }
        @Override public void connect(SocketAddress endpoint, int timeout) throws IOException { d.connect(endpoint, timeout); }
        @Override public void bind(SocketAddress local) throws IOException { d.bind(local); }
        @Override public InetAddress getInetAddress() { return d.getInetAddress(); }
        @Override public InetAddress getLocalAddress() { return d.getLocalAddress(); }
        @Override public int getPort() { return d.getPort(); }
        @Override public int getLocalPort() { return d.getLocalPort(); }
        @Override public SocketAddress getRemoteSocketAddress() { return d.getRemoteSocketAddress(); }
        @Override public SocketAddress getLocalSocketAddress() { return d.getLocalSocketAddress(); }
        @Override public SocketChannel getChannel() { return d.getChannel(); }
        /** FtpServer closes the streams, not the socket, after a transfer: their close is this socket's. */
        @Override
        public InputStream getInputStream() throws IOException {
            return new FilterInputStream(d.getInputStream()) {
                @Override
                public void close() throws IOException {
                    PoliteSocket.this.close();
                }
            };
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            OutputStream out = d.getOutputStream();
            return new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    PoliteSocket.this.close(); // the JDK's record stream holds nothing back: no flush needed
                }
            };
        }
        @Override public void setTcpNoDelay(boolean on) throws SocketException { d.setTcpNoDelay(on); }
        @Override public boolean getTcpNoDelay() throws SocketException { return d.getTcpNoDelay(); }
        @Override public void setSoLinger(boolean on, int linger) throws SocketException { d.setSoLinger(on, linger); }
        @Override public int getSoLinger() throws SocketException { return d.getSoLinger(); }
        @Override public void setSoTimeout(int timeout) throws SocketException { d.setSoTimeout(timeout); }
        @Override public int getSoTimeout() throws SocketException { return d.getSoTimeout(); }
        @Override public void setSendBufferSize(int size) throws SocketException { d.setSendBufferSize(size); }
        @Override public int getSendBufferSize() throws SocketException { return d.getSendBufferSize(); }
        @Override public void setReceiveBufferSize(int size) throws SocketException { d.setReceiveBufferSize(size); }
        @Override public int getReceiveBufferSize() throws SocketException { return d.getReceiveBufferSize(); }
        @Override public void setKeepAlive(boolean on) throws SocketException { d.setKeepAlive(on); }
        @Override public boolean getKeepAlive() throws SocketException { return d.getKeepAlive(); }
        @Override public void setReuseAddress(boolean on) throws SocketException { d.setReuseAddress(on); }
        @Override public boolean getReuseAddress() throws SocketException { return d.getReuseAddress(); }
        @Override public void shutdownInput() throws IOException { d.shutdownInput(); }
        @Override public void shutdownOutput() throws IOException { d.shutdownOutput(); }
        @Override public boolean isConnected() { return d.isConnected(); }
        @Override public boolean isBound() { return d.isBound(); }
        @Override public boolean isClosed() { return d.isClosed(); }
        @Override public boolean isInputShutdown() { return d.isInputShutdown(); }
        @Override public boolean isOutputShutdown() { return d.isOutputShutdown(); }
        @Override public String toString() { return d.toString(); }
    }
}
