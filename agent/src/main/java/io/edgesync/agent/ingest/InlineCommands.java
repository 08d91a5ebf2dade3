package io.edgesync.agent.ingest;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterEvent;
import org.apache.mina.core.session.IoEventType;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.executor.ExecutorFilter;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where an FTP session's events run: commands that only answer from memory or one file-system lookup run on
 * the session's MINA I/O thread; everything else (transfers, logins, renames and deletes that sync to disk,
 * commands that read the ledger, session open/close/idle, exceptions) goes to FtpServer's ordered thread pool,
 * as it always did.
 *
 * <p>Why: FtpServer hands every command to its pool and the reply back to the I/O thread, two thread
 * wake-ups per command. lftp's mirror sends {@code PROT}, {@code PASV} with {@code STOR} in one write,
 * {@code MFMT} and {@code SITE CHMOD} for each file; {@code PROT} and {@code SITE CHMOD} take microseconds.
 *
 * <p>Order within a session is kept: a command runs inline only when none of the session's events is queued
 * or running in the pool, and when its bytes are whole lines of quick commands that start a line (a line
 * split across two reads, or a read that also holds a transfer command, goes to the pool whole). Sessions
 * are served by one I/O thread each, which fires their receive events in order; that thread is the only one
 * that decides, so the check and the hand-off cannot race.
 *
 * <p>What runs inline must never wait long: it would hold up every other session of that I/O thread. Nothing
 * here writes to disk, sleeps, reads the ledger or moves data.
 *
 * <p>Every read is also looked at before it queues: Telnet commands (IAC IP, IAC DM: RFC 959 asks clients to
 * send them before ABOR, the DM as urgent data, which the control socket keeps in line) are taken out, and
 * while an upload runs ({@link Transfer}), an {@code ABOR} ends its data connection at once and a {@code QUIT}
 * is noted: queued behind the upload, FtpServer would see either only after the upload had ended.
 */
final class InlineCommands extends ExecutorFilter {
    /**
     * Commands answered from the session's state or one file-system lookup. Not here: transfers and listings,
     * PASS (password hashing, login delays), RNTO/DELE/RMD (fsync, spool bookkeeping), MKD and MFMT (they
     * change the file system, and a journal commit or write throttling can hold such a call as long as an
     * fsync), STAT and most SITE commands (ledger), PORT/EPRT (an address to parse, which a hostile EPRT could
     * make a name lookup), AUTH/CCC/REIN/QUIT/ABOR (change the session itself), and any command not named here.
     */
    static final Set<String> QUICK = Set.of("NOOP", "TYPE", "MODE", "STRU", "SYST", "PWD", "XPWD", "OPTS", "PROT",
            "PBSZ", "PASV", "EPSV", "CWD", "XCWD", "CDUP", "XCUP", "SIZE", "MDTM", "MLST", "RNFR", "FEAT", "ALLO",
            "HELP");
    /** {@code SITE} subcommands that read no ledger. */
    static final Set<String> QUICK_SITE = Set.of("CHMOD", "HELP", "DF");
    /**
     * Reads of one session waiting for the pool, at most: past this the session is not read until they are
     * down to a quarter (a client that sends commands faster than they run filled the pool's queue, and the
     * heap, with its reads).
     */
    static final int MAX_QUEUED = 16;
    /** Longest command line looked at; a longer read goes to the pool. */
    private static final int MAX_LINE = 1024;
    private static final String LANE = InlineCommands.class.getName() + ".lane";
    private static final String IO_SESSION = InlineCommands.class.getName() + ".io-session";

    private final LongAdder inline = new LongAdder();
    private final LongAdder pooled = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();

    /**
     * @param executor FtpServer's pool, which keeps each session's events in order
     * @param eventTypes the events that may go to the pool; the others run where they are fired
     */
    InlineCommands(Executor executor, IoEventType... eventTypes) {
        super(executor, eventTypes);
    }

    /** Reads (each one or more whole lines of quick commands) run on the I/O thread so far. */
    long inline() {
        return inline.sum();
    }

    /** Events handed to the pool so far. */
    long pooled() {
        return pooled.sum();
    }

    /**
     * Events of all sessions not finished yet, inline or in the pool. A pooled command's reply can reach the
     * client before its event has finished here, so a client that sends its next command at once may find
     * the session still busy (and that command goes to the pool, in order).
     */
    long inFlight() {
        return inFlight.get();
    }

    @Override
    protected void fireEvent(IoFilterEvent received) {
        IoFilterEvent event = received;
        Lane lane = lane(event.getSession());
        if (event.getType() == IoEventType.MESSAGE_RECEIVED && event.getParameter() instanceof IoBuffer read) {
            IoBuffer clean = lane.withoutTelnetCommands(read);
            if (clean != read) {
                event = new IoFilterEvent(event.getNextFilter(), event.getType(), event.getSession(), clean);
            }
            Optional<Transfer> transfer = Transfer.of(event.getSession());
            if (transfer.isPresent()) {
                watch(clean, transfer.get());
            }
        }
        if (event.getType() == IoEventType.SESSION_CLOSED) {
            // the control connection is gone without QUIT: its upload is cut now, not when the data stalls out
            // (its data port and login slot were held that long); never recorded, kept to be continued
            Transfer.of(event.getSession()).filter(t -> !t.quitWasSeen())
                    .ifPresent(t -> Thread.ofVirtual().name("ftp-control-gone").start(t::cut));
        }
        inFlight.incrementAndGet();
        if (lane.admitInline(event)) {
            inline.increment();
            try {
                event.fire();
            } finally {
                lane.done();
                inFlight.decrementAndGet();
            }
            return;
        }
        pooled.increment();
        IoSession session = event.getSession();
        if (event.getType() == IoEventType.MESSAGE_RECEIVED && lane.queued() > MAX_QUEUED) {
            ReadGate.hold(session, ReadGate.COMMANDS);
        }
        super.fireEvent(new IoFilterEvent(event.getNextFilter(), event.getType(), session, event.getParameter()) {
            @Override
            public void fire() {
                try {
                    super.fire();
                } finally {
                    if (lane.done() <= MAX_QUEUED / 4) {
                        ReadGate.release(session, ReadGate.COMMANDS);
                    }
                    inFlight.decrementAndGet();
                }
            }
        });
    }

    private static Lane lane(IoSession session) {
        Lane lane = (Lane) session.getAttribute(LANE);
        if (lane == null) {
            Lane fresh = new Lane();
            lane = (Lane) session.setAttributeIfAbsent(LANE, fresh);
            lane = lane == null ? fresh : lane;
            session.setAttribute(IO_SESSION, session); // FtpServer's commands see a wrapper that hides it
        }
        return lane;
    }

    /** MINA's own session behind FtpServer's wrapper, for {@link ControlSocket}; empty if never dispatched here. */
    static Optional<IoSession> ioSession(IoSession session) {
        return Optional.ofNullable((IoSession) session.getAttribute(IO_SESSION));
    }

    /** One session's events in flight (inline or in the pool) and whether its last read ended a line. */
    private static final class Lane {
        private int inFlight;       // guarded by this
        private boolean lineOpen;   // guarded by this
        private boolean iacOpen;    // guarded by this; the last read ended with IAC: its command byte comes next

        /**
         * The read without Telnet commands (IAC and the byte after it, also when that byte comes in the next
         * read; IAC IAC stands for the byte 255), or the read itself when it holds none. No UTF-8 text contains
         * the byte 255. Called in the session's read order.
         */
        synchronized IoBuffer withoutTelnetCommands(IoBuffer read) {
            int from = read.position();
            int to = read.limit();
            boolean telnet = iacOpen;
            for (int i = from; i < to && !telnet; i++) {
                telnet = read.get(i) == (byte) 0xFF;
            }
            if (!telnet) {
                return read;
            }
            IoBuffer clean = IoBuffer.allocate(Math.max(1, to - from));
            for (int i = from; i < to; i++) {
                byte b = read.get(i);
                if (iacOpen) {
                    iacOpen = false;
                    if (b == (byte) 0xFF) {
                        clean.put(b); // IAC IAC: the byte 255 itself
                    }
                } else if (b == (byte) 0xFF) {
                    iacOpen = true;
                } else {
                    clean.put(b);
                }
            }
            read.position(to); // consumed: the clean copy goes on instead
            return clean.flip();
        }

        /** Counts the event in flight; true if it is to run inline. Called in the session's event order. */
        synchronized boolean admitInline(IoFilterEvent event) {
            boolean quick = false;
            if (event.getType() == IoEventType.MESSAGE_RECEIVED && event.getParameter() instanceof IoBuffer read
                    && read.hasRemaining()) { // a read of Telnet bytes alone leaves nothing: no line opened or ended
                boolean opened = lineOpen;
                lineOpen = !endsLine(read);
                quick = !opened && !lineOpen && quickLines(read);
            }
            boolean inline = quick && inFlight == 0;
            inFlight++;
            return inline;
        }

        /** @return the events still in flight */
        synchronized int done() {
            return --inFlight;
        }

        synchronized int queued() {
            return inFlight;
        }
    }

    /** ABOR ends the running upload's data connection now (on another thread: a TLS close may write); QUIT is noted. */
    private static void watch(IoBuffer read, Transfer transfer) {
        int lineStart = read.position();
        for (int i = read.position(); i <= read.limit(); i++) {
            if (i == read.limit() || read.get(i) == '\n') {
                if (i > lineStart) {
                    String command = firstWord(new String(bytes(read, lineStart, i), StandardCharsets.US_ASCII).trim());
                    if (command.equals("ABOR")) {
                        Thread.ofVirtual().name("ftp-abort").start(transfer::abort);
                    } else if (command.equals("QUIT")) {
                        transfer.quitSeen();
                    }
                }
                lineStart = i + 1;
            }
        }
    }

    private static byte[] bytes(IoBuffer read, int from, int to) {
        byte[] bytes = new byte[to - from];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = read.get(from + i);
        }
        return bytes;
    }

    private static boolean endsLine(IoBuffer read) {
        return read.hasRemaining() && read.get(read.limit() - 1) == '\n';
    }

    /**
     * True if the bytes are one or more whole lines, each a quick command. Reads by index: the buffer's
     * position is left for the decoder.
     */
    static boolean quickLines(IoBuffer read) {
        int start = read.position();
        int end = read.limit();
        if (start >= end || end - start > MAX_LINE || read.get(end - 1) != '\n') {
            return false;
        }
        int lineStart = start;
        for (int i = start; i < end; i++) {
            if (read.get(i) == '\n') {
                if (!quickLine(read, lineStart, i)) {
                    return false;
                }
                lineStart = i + 1;
            }
        }
        return true;
    }

    private static boolean quickLine(IoBuffer read, int from, int newline) {
        String line = new String(bytes(read, from, newline), StandardCharsets.US_ASCII).trim();
        String command = firstWord(line);
        if (command.equals("SITE")) {
            return QUICK_SITE.contains(firstWord(line.substring(command.length()).trim()));
        }
        return QUICK.contains(command);
    }

    /** The text up to the first space, in upper case (the line when it has none). */
    private static String firstWord(String text) {
        int space = text.indexOf(' ');
        return (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
    }
}
