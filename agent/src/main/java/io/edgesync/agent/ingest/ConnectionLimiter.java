package io.edgesync.agent.ingest;

import io.edgesync.agent.telemetry.LogThrottle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ipfilter.SessionFilter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.SocketSessionConfig;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Who gets a control connection, over all listeners (FtpServer limits logins, not connections, so a client
 * that never logs in could hold every socket):
 * <ul>
 * <li>at most {@code ftp.max-connections} in all and {@code ftp.max-connections-per-ip} from one address;</li>
 * <li>connections not logged in yet: at most half of {@code ftp.max-connections} in all
 * ({@link #maxPreLogin}), and from one address at most an eighth of that ({@link #maxPreLoginPerAddress}),
 * so that no address can hold the rest; when all are taken, a newcomer (or a connection that would pass
 * {@code ftp.max-connections}) closes the oldest not-logged-in connection of the address that holds the
 * most, and gets in: a device always can, whatever idle connections scanners hold;</li>
 * <li>a connection not logged in {@code ftp.login.timeout} after connecting gets 421 and is closed (the idle
 * timeout, refreshed by any byte, is no deadline).</li>
 * </ul>
 * Also sets TCP_NODELAY: without it each reply waits for the client's delayed ACK (~40 ms a file).
 * Thread-safe.
 */
final class ConnectionLimiter implements SessionFilter {
    private static final System.Logger LOG = System.getLogger(ConnectionLimiter.class.getName());
    /** Set on MINA's session by FtpServer's login (FtpIoSession keeps its attributes there). */
    private static final String USER = "org.apache.ftpserver.user"; // FtpIoSession.ATTRIBUTE_USER, private

    private final int maxTotal;
    private final int maxPerAddress;
    private final int maxPreLogin;
    private final int maxPreLoginPerAddress;
    private final Duration loginTimeout;
    private final LogThrottle throttled = new LogThrottle(LOG, Duration.ofMinutes(1));
    /** Cancelled deadlines leave the queue at once: 600 connections a second must not be held for 20 s each. */
    private final ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().daemon().name("ftp-login-deadline").factory());

    // guarded by this
    private int total;
    private final Map<String, Integer> perAddress = new HashMap<>();
    /** Connections not (yet) known to be logged in, oldest first. */
    private final LinkedHashMap<Long, IoSession> preLogin = new LinkedHashMap<>();
    private final Map<String, Integer> preLoginPerAddress = new HashMap<>();

    private final Counter refusedTotal;
    private final Counter evictedTotal;
    private final Counter timedOutTotal;

    ConnectionLimiter(int maxTotal, int maxPerAddress, Duration loginTimeout, MeterRegistry registry) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
        this.maxPreLogin = Math.max(1, maxTotal / 2);
        this.maxPreLoginPerAddress = Math.max(1, Math.min(maxPerAddress, maxPreLogin / 8));
        this.loginTimeout = loginTimeout;
        this.deadlines.setRemoveOnCancelPolicy(true);
        this.refusedTotal = Counter.builder("edgesync.ftp.connections.refused")
                .description("FTP connections closed before the greeting: ftp.max-connections-per-ip reached, or"
                        + " the address holds its share of connections not logged in").register(registry);
        this.evictedTotal = Counter.builder("edgesync.ftp.connections.evicted")
                .description("FTP connections not logged in closed to make room for a newcomer").register(registry);
        this.timedOutTotal = Counter.builder("edgesync.ftp.login.timeouts")
                .description("FTP connections closed for not logging in within ftp.login.timeout").register(registry);
    }

    @Override
    public boolean accept(IoSession session) {
        if (session.getConfig() instanceof SocketSessionConfig socket) {
            socket.setTcpNoDelay(true);
        }
        String address = Sessions.address(session.getRemoteAddress());
        IoSession evicted = null;
        String refusal = null;
        synchronized (this) {
            forgetLoggedIn();
            int fromAddress = perAddress.getOrDefault(address, 0);
            int waitingFromAddress = preLoginPerAddress.getOrDefault(address, 0);
            if (fromAddress >= maxPerAddress) {
                refusal = fromAddress + " connections open from it (ftp.max-connections-per-ip " + maxPerAddress + ")";
            } else if (waitingFromAddress >= maxPreLoginPerAddress) {
                refusal = waitingFromAddress + " of its connections not logged in (at most " + maxPreLoginPerAddress
                        + " per address: an eighth of half of ftp.max-connections)";
            } else if (total >= maxTotal || preLogin.size() >= maxPreLogin) {
                evicted = oldestOfTheLargestHolder();
                if (evicted == null) {
                    refusal = total + " connections open, all logged in (ftp.max-connections " + maxTotal + ")";
                } else {
                    forget(evicted);
                }
            }
            if (refusal == null) {
                total++;
                perAddress.merge(address, 1, Integer::sum);
                preLogin.put(session.getId(), session);
                preLoginPerAddress.merge(address, 1, Integer::sum);
            }
        }
        if (evicted != null) {
            evictedTotal.increment();
            IoSession gone = evicted;
            throttled.log("evicted", System.Logger.Level.WARNING, () -> "FTP connection from "
                    + Sessions.address(gone.getRemoteAddress()) + " closed before login to make room for one from "
                    + address + ": the connections not logged in are full");
            evicted.closeNow();
        }
        if (refusal != null) {
            refusedTotal.increment();
            String why = refusal;
            throttled.log("refused " + address, System.Logger.Level.WARNING, () -> "FTP connection from " + address
                    + " refused: " + why);
            return false; // MINA closes it before the greeting
        }
        ScheduledFuture<?> deadline = deadlines.schedule(() -> loginDeadline(session, address),
                loginTimeout.toMillis(), TimeUnit.MILLISECONDS);
        session.getCloseFuture().addListener(future -> {
            deadline.cancel(false);
            release(session, address);
        });
        return true;
    }

    private void loginDeadline(IoSession session, String address) {
        if (!session.isConnected() || session.getAttribute(USER) != null) {
            return;
        }
        timedOutTotal.increment();
        throttled.log("timeout " + address, System.Logger.Level.INFO, () -> "FTP connection from " + address
                + " closed: not logged in within " + loginTimeout.toSeconds() + " s (ftp.login.timeout)");
        session.write(new DefaultFtpReply(FtpReply.REPLY_421_SERVICE_NOT_AVAILABLE_CLOSING_CONTROL_CONNECTION,
                "Login timeout: closing control connection."));
        session.closeOnFlush();
        deadlines.schedule(() -> session.closeNow(), 2, TimeUnit.SECONDS); // a client that reads nothing
    }

    /** Drops the connections that logged in since the last look. Guarded by this. */
    private void forgetLoggedIn() {
        preLogin.values().removeIf(s -> {
            if (s.getAttribute(USER) == null) {
                return false;
            }
            decrement(preLoginPerAddress, Sessions.address(s.getRemoteAddress()));
            return true;
        });
    }

    /** The oldest connection not logged in of the address that holds the most of them. Guarded by this. */
    private IoSession oldestOfTheLargestHolder() {
        String largest = preLoginPerAddress.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(null);
        if (largest == null) {
            return null;
        }
        return preLogin.values().stream().filter(s -> Sessions.address(s.getRemoteAddress()).equals(largest))
                .min(Comparator.comparingLong(IoSession::getCreationTime)).orElse(null);
    }

    /** Takes a connection out of the pre-login books (it still counts in total until it is closed). */
    private void forget(IoSession session) {
        if (preLogin.remove(session.getId()) != null) {
            decrement(preLoginPerAddress, Sessions.address(session.getRemoteAddress()));
        }
    }

    private synchronized void release(IoSession session, String address) {
        total--;
        decrement(perAddress, address);
        forget(session);
    }

    /** One less for {@code key}; the entry goes at zero. */
    private static void decrement(Map<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }

    synchronized int open() {
        return total;
    }

    void close() {
        deadlines.shutdownNow();
    }
}
