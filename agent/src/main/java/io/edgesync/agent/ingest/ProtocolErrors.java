package io.edgesync.agent.ingest;

import io.edgesync.agent.telemetry.LogThrottle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteToClosedSessionException;
import org.apache.mina.filter.codec.ProtocolDecoderException;

import java.nio.charset.CharacterCodingException;
import java.time.Duration;

/**
 * Command lines the decoder cannot take (longer than FtpServer's 1,024 bytes, or not UTF-8) are answered
 * here, right after the codec: {@code 500} or {@code 501}, counted in {@code edgesync.ftp.protocol.errors},
 * logged once per address and minute. FtpServer logged each at SEVERE or WARNING with a stack trace and a
 * hex dump (some 32 lines a connection) and closed the session while holding a pool thread for up to
 * 10 s. After {@value #MAX_PER_SESSION} in one session the connection is closed. Replies that could not be
 * sent because the client had gone are not worth a line either. Thread-safe.
 */
final class ProtocolErrors extends IoFilterAdapter {
    static final int MAX_PER_SESSION = 10;
    private static final System.Logger LOG = System.getLogger(ProtocolErrors.class.getName());
    private static final String COUNT = ProtocolErrors.class.getName() + ".count";

    private final LogThrottle throttled = new LogThrottle(LOG, Duration.ofMinutes(1));
    private final Counter errors;

    ProtocolErrors(MeterRegistry registry) {
        this.errors = Counter.builder("edgesync.ftp.protocol.errors")
                .description("FTP command lines refused unread: too long, or not UTF-8").register(registry);
    }

    @Override
    public void exceptionCaught(NextFilter next, IoSession session, Throwable cause) throws Exception {
        if (cause instanceof WriteToClosedSessionException) {
            return; // the client went away; its session is being closed
        }
        if (!(cause instanceof ProtocolDecoderException)) {
            next.exceptionCaught(session, cause);
            return;
        }
        errors.increment();
        boolean encoding = cause.getCause() instanceof CharacterCodingException;
        String from = Sessions.address(session.getRemoteAddress());
        int count = (Integer) session.getAttribute(COUNT, 0) + 1;
        session.setAttribute(COUNT, count);
        boolean closing = count >= MAX_PER_SESSION;
        throttled.log(from, System.Logger.Level.WARNING, () -> "FTP client " + from + " sent "
                + (encoding ? "a command that is not UTF-8" : "a command line over 1024 bytes")
                + (closing ? "; connection closed after " + count + " such lines" : "; refused"));
        session.write(encoding
                ? new DefaultFtpReply(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS, "Invalid character in command.")
                : new DefaultFtpReply(FtpReply.REPLY_500_SYNTAX_ERROR_COMMAND_UNRECOGNIZED, "Command line too long."));
        if (closing) {
            session.closeOnFlush();
        }
    }
}
