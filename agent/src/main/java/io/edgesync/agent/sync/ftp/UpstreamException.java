package io.edgesync.agent.sync.ftp;

/**
 * One upstream step failed. Carries {@code [host:port]}, the command and the server's reply so a log line
 * says what happened without a packet capture.
 */
public final class UpstreamException extends Exception {
    /** Why, as the {@code reason} label of {@code edgesync_sync_failures_total}. */
    public enum Reason {
        CONNECT("connect", false), LOGIN("login", false), TIMEOUT("timeout", false), TRANSFER("transfer", false),
        VERIFY("verify", false), RENAME("rename", false), REFUSED("refused", true), LOCAL("local", true),
        /** the file must not be published after all: a newer upload replaced it, or its device withdrew it */
        WITHDRAWN("withdrawn", false);

        private final String label;
        private final boolean permanent;

        Reason(String label, boolean permanent) {
            this.label = label;
            this.permanent = permanent;
        }

        /** Its {@code reason} label in metrics and outcomes. */
        public String label() {
            return label;
        }

        /** Whether trying again cannot help: the delivery is parked. */
        public boolean permanent() {
            return permanent;
        }

        /** Whether the whole upstream is unusable, not just this file: all its workers back off. */
        public boolean upstreamWide() {
            return this == CONNECT || this == LOGIN || this == TIMEOUT;
        }

        /** Whether the attempt may have left bytes in the upstream temporary. */
        public boolean touchesTemp() {
            return this == TRANSFER || this == VERIFY || this == RENAME || this == TIMEOUT || this == WITHDRAWN;
        }
    }

    private final Reason reason;

    public UpstreamException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public UpstreamException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
