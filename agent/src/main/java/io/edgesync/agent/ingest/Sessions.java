package io.edgesync.agent.ingest;

import org.apache.ftpserver.impl.FtpIoSession;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Who is on the other end of an FTP session, as logs, the ledger and the login guard name them. */
final class Sessions {
    private Sessions() {
    }

    /** The logged-in user's name, or {@code -} before login. */
    static String userName(FtpIoSession session) {
        return session.getUser() == null ? "-" : session.getUser().getName();
    }

    /** The client's IP address as text ({@code 192.0.2.7}, {@code 0:0:0:0:0:0:0:1}). */
    static String clientIp(FtpIoSession session) {
        return address(session.getRemoteAddress());
    }

    static String address(SocketAddress remote) {
        return remote instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "-";
    }
}
