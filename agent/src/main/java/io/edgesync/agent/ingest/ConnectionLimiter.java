package io.edgesync.agent.ingest;

import org.apache.ftpserver.ipfilter.SessionFilter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.SocketSessionConfig;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits a new control connection only while fewer than {@code ftp.max-connections} are open in all and
 * fewer than {@code ftp.max-connections-per-ip} from its address (FtpServer limits logins, not
 * connections, so a client that never logs in could hold every socket). Also sets TCP_NODELAY: without it
 * each reply waits for the client's delayed ACK (~40 ms a file). Thread-safe.
 */
final class ConnectionLimiter implements SessionFilter {
    private static final System.Logger LOG = System.getLogger(ConnectionLimiter.class.getName());

    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    ConnectionLimiter(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public boolean accept(IoSession session) {
        if (session.getConfig() instanceof SocketSessionConfig socket) {
            socket.setTcpNoDelay(true);
        }
        String address = Sessions.address(session.getRemoteAddress());
        AtomicInteger mine = perAddress.computeIfAbsent(address, k -> new AtomicInteger());
        int all = total.incrementAndGet();
        int fromAddress = mine.incrementAndGet();
        if (all > maxTotal || fromAddress > maxPerAddress) {
            release(address, mine);
            LOG.log(System.Logger.Level.WARNING, "connection from {0} refused: {1} open from it (limit {2}), {3} in all"
                    + " (limit {4})", address, fromAddress - 1, maxPerAddress, all - 1, maxTotal);
            return false; // MINA closes it before the greeting
        }
        session.getCloseFuture().addListener(future -> release(address, mine));
        return true;
    }

    private void release(String address, AtomicInteger mine) {
        total.decrementAndGet();
        if (mine.decrementAndGet() == 0) {
            perAddress.remove(address, mine);
        }
    }

    int open() {
        return total.get();
    }
}
