package io.edgesync.agent.sync;

/**
 * One upstream step failed. Carries {@code [host:port]}, the command and the server's reply so a log line
 * says what happened without a packet capture.
 */
final class UpstreamException extends Exception {
    /** Why, as the {@code reason} label of {@code edgesync_sync_failures_total}. */
    enum Reason {
        CONNECT("connect", false), LOGIN("login", false), TIMEOUT("timeout", false), TRANSFER("transfer", false),
        VERIFY("verify", false), RENAME("rename", false), REFUSED("refused", true), LOCAL("local", true),
        /** the file must not be published after all: a newer upload replaced it, or its device withdrew it */
        WITHDRAWN("withdrawn", false);

        final String label;
        /** whether trying again cannot help: the delivery is parked */
        final boolean permanent;

        Reason(String label, boolean permanent) {
            this.label = label;
            this.permanent = permanent;
        }

        /** Whether the whole upstream is unusable, not just this file: all its workers back off. */
        boolean upstreamWide() {
            return this == CONNECT || this == LOGIN || this == TIMEOUT;
        }

        /** Whether the attempt may have left bytes in the upstream temporary. */
        boolean touchesTemp() {
            return this == TRANSFER || this == VERIFY || this == RENAME || this == TIMEOUT || this == WITHDRAWN;
        }
    }

    private final Reason reason;

    UpstreamException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    UpstreamException(Reason reason, String message) {
        this(reason, message, null);
    }

    Reason reason() {
        return reason;
    }
}
