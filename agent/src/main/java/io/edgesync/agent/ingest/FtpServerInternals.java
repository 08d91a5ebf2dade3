package io.edgesync.agent.ingest;

import org.apache.ftpserver.impl.IODataConnection;
import org.apache.ftpserver.impl.IODataConnectionFactory;
import org.apache.ftpserver.listener.nio.NioListener;
import org.apache.mina.transport.socket.SocketAcceptor;
import org.apache.mina.transport.socket.nio.NioSession;

import java.lang.reflect.Field;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Every private part of Apache FtpServer 1.2.1 and MINA 2.2 that the device side reaches into, in one
 * place, each where no extension point offers the same (the list and the reasons: docs/architecture.md).
 * All are looked up when this class loads; {@link #check()} runs when the FTP server is built and fails
 * the agent's start naming what is missing, so that a library upgrade that moves one cannot turn a
 * guarantee off quietly (a device killed mid-upload would be recorded again, scanners would break passive
 * transfers). Immutable after class initialisation.
 */
final class FtpServerInternals {
    /** {@code NioListener.acceptor}: the MINA acceptor, to add our filters and socket options. */
    private static final Field ACCEPTOR = field(NioListener.class, "acceptor", SocketAcceptor.class);
    /** {@code IODataConnection.socket}: an upload's data socket, read directly and closed by ABOR. */
    private static final Field DATA_SOCKET = field(IODataConnection.class, "socket", Socket.class);
    /** {@code NioSession.channel}: the control connection's socket, asked whether the device is gone. */
    private static final Field CHANNEL = field(NioSession.class, "channel", java.nio.channels.Channel.class);
    /** {@code IODataConnectionFactory}'s passive-mode state, for {@link PassiveDataConnections}. */
    private static final Field PASSIVE = field(IODataConnectionFactory.class, "passive", boolean.class);
    private static final Field SERVER_SOCKET = field(IODataConnectionFactory.class, "servSoc", ServerSocket.class);
    private static final Field SECURE = field(IODataConnectionFactory.class, "secure", boolean.class);
    private static final Field FACTORY_SOCKET = field(IODataConnectionFactory.class, "dataSoc", Socket.class);
    /** What could not be found, each with why. */
    private static final List<String> MISSING = Stream.of(
            missing(NioListener.class, "acceptor", ACCEPTOR), missing(IODataConnection.class, "socket", DATA_SOCKET),
            missing(NioSession.class, "channel", CHANNEL), missing(IODataConnectionFactory.class, "passive", PASSIVE),
            missing(IODataConnectionFactory.class, "servSoc", SERVER_SOCKET),
            missing(IODataConnectionFactory.class, "secure", SECURE),
            missing(IODataConnectionFactory.class, "dataSoc", FACTORY_SOCKET))
            .flatMap(Optional::stream).toList();

    private FtpServerInternals() {
    }

    /** The field, accessible; null when it is not there as expected ({@link #MISSING} says so). */
    private static Field field(Class<?> owner, String name, Class<?> type) {
        try {
            Field f = owner.getDeclaredField(name);
            if (!type.isAssignableFrom(f.getType())) {
                return null;
            }
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Optional<String> missing(Class<?> owner, String name, Field found) {
        return found != null ? Optional.empty() : Optional.of(owner.getName() + "." + name);
    }

    /** What could not be found: empty on the FtpServer and MINA versions this agent is built with. */
    static List<String> missing() {
        return MISSING;
    }

    /** @throws IllegalStateException naming every internal that is missing */
    static void check() {
        if (!MISSING.isEmpty()) {
            throw new IllegalStateException("this FtpServer/MINA lacks what the agent relies on: " + MISSING
                    + "; edgesync is built for Apache FtpServer 1.2.1 and MINA 2.2 (see docs/architecture.md)");
        }
    }

    static SocketAcceptor acceptor(NioListener listener) {
        return (SocketAcceptor) get(ACCEPTOR, listener);
    }

    static Socket dataSocket(IODataConnection connection) {
        return (Socket) get(DATA_SOCKET, connection);
    }

    static Optional<SocketChannel> channel(NioSession session) {
        return get(CHANNEL, session) instanceof SocketChannel s ? Optional.of(s) : Optional.empty();
    }

    static boolean passive(IODataConnectionFactory factory) {
        return (boolean) get(PASSIVE, factory);
    }

    static ServerSocket serverSocket(IODataConnectionFactory factory) {
        return (ServerSocket) get(SERVER_SOCKET, factory);
    }

    static boolean secure(IODataConnectionFactory factory) {
        return (boolean) get(SECURE, factory);
    }

    /** Hands FtpServer the accepted data socket, which it closes with the data connection. */
    static void setDataSocket(IODataConnectionFactory factory, Socket socket) {
        try {
            FACTORY_SOCKET.set(factory, socket);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object get(Field field, Object owner) {
        try {
            return field.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e); // setAccessible succeeded at load: not expected
        }
    }
}
