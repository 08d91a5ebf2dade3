package io.edgesync.agent.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ftpserver.ipfilter.SessionFilter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.SocketSessionConfig;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
    /** A flood is one warning every 10 s with a count, not a line per connection. */
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    private final Counter refusedTotal;

    ConnectionLimiter(int maxTotal, int maxPerAddress, MeterRegistry registry) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
        this.refusedTotal = Counter.builder("edgesync.ftp.connections.refused")
                .description("FTP connections closed before the greeting: ftp.max-connections or"
                        + " ftp.max-connections-per-ip reached").register(registry);
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
            refusedTotal.increment();
            long refusals = refused.incrementAndGet();
            long now = System.nanoTime();
            long last = lastWarning.get();
            if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
                refused.addAndGet(-refusals);
                LOG.log(System.Logger.Level.WARNING, "{0} connection(s) refused since the last warning; latest from {1}:"
                        + " {2} open from it (limit {3}), {4} in all (limit {5})", refusals, address, fromAddress - 1,
                        maxPerAddress, all - 1, maxTotal);
            }
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
