package io.edgesync.agent.ingest;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

    /** Logs two WARNING lines per failed login; {@link GuardedPass} logs them, once per address and minute. */
    private static final Logger PASS = Logger.getLogger("org.apache.ftpserver.command.impl.PASS");
    /**
     * Warns for each passive port it skips because something holds it (a port still in TIME_WAIT after a
     * scanner's probe or a closed transfer): once a minute is enough to see that it happens.
     */
    private static final Logger PASSIVE_PORTS = Logger.getLogger("org.apache.ftpserver.impl.PassivePorts");
    /**
     * Warn with a stack trace for every PASV/EPSV answered 425, e.g. each one {@link PassiveDataConnections}
     * refuses to an address at its share (a client retrying in a loop): the refusal is logged there, once
     * per address and minute; these once a minute.
     */
    private static final List<Logger> PASSIVE_COMMANDS = List.of(
            Logger.getLogger("org.apache.ftpserver.command.impl.PASV"),
            Logger.getLogger("org.apache.ftpserver.command.impl.EPSV"));


    private QuietDisconnects() {
    }

    static void install() {
        for (Logger logger : LOGGERS) {
            logger.setFilter(new QuietDisconnects());
        }
        PASS.setFilter(record -> record.getThrown() != null || record.getLevel().intValue() > Level.WARNING.intValue());
        Filter helidonOnce = onceAMinute();
        HELIDON_HTTP1.setFilter(record -> record.getLevel().intValue() < Level.WARNING.intValue()
                || helidonOnce.isLoggable(record));
        PASSIVE_PORTS.setFilter(onceAMinute());
        for (Logger logger : PASSIVE_COMMANDS) {
            logger.setFilter(onceAMinute());
        }
    }

    /** Lets one record a minute through (a library's own warning, repeated by every client). */
    private static Filter onceAMinute() {
        long minute = TimeUnit.MINUTES.toNanos(1);
        AtomicLong last = new AtomicLong(System.nanoTime() - minute);
        return record -> {
            long before = last.get();
            long now = System.nanoTime();
            return now - before >= minute && last.compareAndSet(before, now);
        };
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
