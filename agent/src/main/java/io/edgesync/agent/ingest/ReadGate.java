package io.edgesync.agent.ingest;

import org.apache.mina.core.session.IoSession;

/**
 * Whether MINA reads a control connection, decided by more than one reason: its replies piling up unsent
 * ({@link ReplyBackpressure}) and its commands piling up unrun ({@link InlineCommands}). The connection is
 * read while no reason holds it. Thread-safe.
 */
final class ReadGate {
    static final int REPLIES = 1;
    static final int COMMANDS = 2;
    private static final String KEY = ReadGate.class.getName();

    private volatile int held; // written under this; read without it for the common case of nothing held

    private ReadGate() {
    }

    private static ReadGate of(IoSession session) {
        ReadGate gate = (ReadGate) session.getAttribute(KEY);
        if (gate == null) {
            ReadGate fresh = new ReadGate();
            gate = (ReadGate) session.setAttributeIfAbsent(KEY, fresh);
            gate = gate == null ? fresh : gate;
        }
        return gate;
    }

    /** @return whether this reason was not holding the connection yet */
    static boolean hold(IoSession session, int reason) {
        ReadGate gate = of(session);
        synchronized (gate) {
            if ((gate.held & reason) != 0) {
                return false;
            }
            if (gate.held == 0) {
                session.suspendRead();
            }
            gate.held |= reason;
            return true;
        }
    }

    /** Called for every reply sent and every command run: returns at once when the reason holds nothing. */
    static void release(IoSession session, int reason) {
        ReadGate gate = (ReadGate) session.getAttribute(KEY);
        if (gate == null || (gate.held & reason) == 0) {
            return;
        }
        synchronized (gate) {
            if ((gate.held & reason) == 0) {
                return;
            }
            gate.held &= ~reason;
            if (gate.held == 0) {
                session.resumeRead();
            }
        }
    }
}
