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
 * connection. A lost connection is the client's business: logged at FINE; other exceptions are kept.
 */
final class QuietDisconnects implements Filter {
    /** JUL holds loggers weakly: the filters live as long as these references. */
    private static final List<Logger> LOGGERS = List.of(
            Logger.getLogger("org.apache.ftpserver.impl.DefaultFtpHandler"),
            Logger.getLogger("org.apache.ftpserver.listener.nio.FtpLoggingFilter"));

    private QuietDisconnects() {
    }

    static void install() {
        for (Logger logger : LOGGERS) {
            logger.setFilter(new QuietDisconnects());
        }
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
