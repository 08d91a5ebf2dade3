package io.edgesync.agent.ingest;

import java.io.IOException;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * FtpServer logs every client that resets or drops its connection twice, at SEVERE and WARNING with a
 * stack trace (its {@code DefaultFtpHandler} and MINA's logging filter). On a LAN with port scanners and
 * flaky devices that buries real problems in the journal and costs the acceptor thread ~10 ms a
 * connection. A lost connection is the client's business: logged at FINE; other exceptions are kept. Its
 * PASS warns twice per failed login, without a limit: left to {@link GuardedPass}; its passive ports warn
 * once a minute at most.
 */
final class QuietDisconnects implements Filter {
    /** JUL holds loggers weakly: the filters live as long as these references. */
    private static final List<Logger> LOGGERS = List.of(
            Logger.getLogger("org.apache.ftpserver.impl.DefaultFtpHandler"),
            Logger.getLogger("org.apache.ftpserver.listener.nio.FtpLoggingFilter"),
            Logger.getLogger("org.apache.ftpserver.impl.IODataConnection"));
    /** Helidon logs a request cut off mid-headers as an internal error with a stack trace: once a minute. */
    private static final Logger HELIDON_HTTP1 = Logger.getLogger("io.helidon.webserver.http1.Http1Connection");
    private static final java.util.concurrent.atomic.AtomicLong HELIDON_WARNED =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - java.util.concurrent.TimeUnit.MINUTES.toNanos(1));
    /** Logs two WARNING lines per failed login; {@link GuardedPass} logs them, once per address and minute. */
    private static final Logger PASS = Logger.getLogger("org.apache.ftpserver.command.impl.PASS");
    /**
     * Warns for each passive port it skips because something holds it (a port still in TIME_WAIT after a
     * scanner's probe or a closed transfer): once a minute is enough to see that it happens.
     */
    private static final Logger PASSIVE_PORTS = Logger.getLogger("org.apache.ftpserver.impl.PassivePorts");
    private static final java.util.concurrent.atomic.AtomicLong PASSIVE_WARNED =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - java.util.concurrent.TimeUnit.MINUTES.toNanos(1));

    private QuietDisconnects() {
    }

    static void install() {
        for (Logger logger : LOGGERS) {
            logger.setFilter(new QuietDisconnects());
        }
        PASS.setFilter(record -> record.getThrown() != null || record.getLevel().intValue() > Level.WARNING.intValue());
        HELIDON_HTTP1.setFilter(record -> {
            if (record.getLevel().intValue() < Level.WARNING.intValue()) {
                return true;
            }
            long last = HELIDON_WARNED.get();
            long now = System.nanoTime();
            return now - last >= java.util.concurrent.TimeUnit.MINUTES.toNanos(1) && HELIDON_WARNED.compareAndSet(last, now);
        });
        PASSIVE_PORTS.setFilter(record -> {
            long last = PASSIVE_WARNED.get();
            long now = System.nanoTime();
            return now - last >= java.util.concurrent.TimeUnit.MINUTES.toNanos(1) && PASSIVE_WARNED.compareAndSet(last, now);
        });
    }

    @Override
    public boolean isLoggable(java.util.logging.LogRecord record) {
        if (record.getThrown() instanceof IOException lost && record.getLevel().intValue() > Level.FINE.intValue()) {
            Logger.getLogger(IngestServer.class.getName()).log(Level.FINE, "FTP client connection lost: {0}", lost.toString());
            return false;
        }
        return true;
    }
}
