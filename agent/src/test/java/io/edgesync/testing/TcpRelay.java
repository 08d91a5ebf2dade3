package io.edgesync.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.edgesync.testing.Sockets.closeQuietly;

/**
 * A loopback TCP relay that a test opens and cuts: while open it forwards every connection on
 * {@code port} to {@code target}; {@link #cut()} closes the listener and every relayed connection, as a
 * network outage would. Lets a test control when a client can reach a peer that keeps running.
 */
public final class TcpRelay implements AutoCloseable {
    private final int port;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private ServerSocket listener;

    public TcpRelay(int port, int target) {
        this.port = port;
        this.target = target;
    }

    /** Starts accepting on {@code port}. */
    public synchronized TcpRelay open() throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listener = server;
        Thread.ofVirtual().name("relay-accept-" + port).start(() -> accept(server));
        return this;
    }

    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                return; // listener closed by cut()
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // one side closed: close the other below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Stops accepting and drops every relayed connection. */
    public synchronized void cut() {
        if (listener != null) {
            closeQuietly(listener);
            listener = null;
        }
        sockets.forEach(Sockets::closeQuietly);
        sockets.clear();
    }

    @Override
    public void close() {
        cut();
    }
}
