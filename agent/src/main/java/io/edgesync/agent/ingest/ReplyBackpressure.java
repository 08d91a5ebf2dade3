package io.edgesync.agent.ingest;

import io.edgesync.agent.telemetry.LogThrottle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;

import java.time.Duration;

/**
 * Bounds the replies a control connection has not taken yet. A client that sends commands and never reads
 * its replies (a small receive window streaming NOOP) made the server queue replies in the heap until the
 * JVM died. Now: past {@value #HIGH} bytes or {@value #HIGH_MESSAGES} replies unsent the connection is not
 * read any more (its commands wait in its own TCP window), below {@value #LOW} bytes and a quarter of the
 * replies it is read again, and past {@value #MAX} bytes or {@value #MAX_MESSAGES} replies (what was already
 * read when reading stopped can still add replies) it is closed. Before login and after.
 * First in the chain, next to the socket. Thread-safe.
 */
final class ReplyBackpressure extends IoFilterAdapter {
    static final int HIGH = 64 * 1024;
    static final int LOW = 16 * 1024;
    static final int MAX = 1024 * 1024;
    /** Replies waiting, by count: a short reply costs the heap far more than its bytes (buffer, request, future). */
    static final int HIGH_MESSAGES = 512;
    static final int MAX_MESSAGES = 8192;
    private static final System.Logger LOG = System.getLogger(ReplyBackpressure.class.getName());

    private final LogThrottle throttled = new LogThrottle(LOG, Duration.ofMinutes(1));
    private final Counter suspended;
    private final Counter closed;

    ReplyBackpressure(MeterRegistry registry) {
        this.suspended = Counter.builder("edgesync.ftp.replies.suspended")
                .description("Times an FTP client was not read for not taking its replies").register(registry);
        this.closed = Counter.builder("edgesync.ftp.replies.closed")
                .description("FTP connections closed for leaving more than 1 MiB of replies untaken").register(registry);
    }

    @Override
    public void filterWrite(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        next.filterWrite(session, request);
        long queued = session.getScheduledWriteBytes();
        int messages = session.getScheduledWriteMessages();
        if (queued > MAX || messages > MAX_MESSAGES) {
            closed.increment();
            String from = Sessions.address(session.getRemoteAddress());
            throttled.log(from, System.Logger.Level.WARNING, () -> "FTP connection from " + from + " closed: it left "
                    + messages + " replies (" + queued + " bytes) unread");
            session.closeNow();
        } else if ((queued > HIGH || messages > HIGH_MESSAGES) && ReadGate.hold(session, ReadGate.REPLIES)) {
            suspended.increment();
        }
    }

    @Override
    public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        if (session.getScheduledWriteBytes() < LOW && session.getScheduledWriteMessages() < HIGH_MESSAGES / 4) {
            ReadGate.release(session, ReadGate.REPLIES);
        }
        next.messageSent(session, request);
    }
}
