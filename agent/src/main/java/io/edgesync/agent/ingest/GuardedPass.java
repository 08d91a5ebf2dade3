package io.edgesync.agent.ingest;

import io.edgesync.agent.telemetry.LogThrottle;
import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.command.impl.PASS;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

import java.io.IOException;
import java.time.Duration;

/**
 * PASS behind the {@link LoginGuard}: a banned address gets 421 and is disconnected, one that tries too
 * soon after a failure gets 530 without its password being looked at; anything else is checked, and its
 * outcome counted. Every refused login answers the same {@code 530 Authentication failed.} after the same
 * work, whether the name is unknown, the password wrong, the account TLS-only on a plain connection or the
 * address outside the account's allow list: nothing tells a guesser which names exist. The reason is logged
 * here (once per address and minute).
 */
final class GuardedPass extends AbstractCommand {
    private static final System.Logger LOG = System.getLogger(GuardedPass.class.getName());
    /** FtpServer's own text for a failed PASS (its FtpStatus.properties, 530.PASS). */
    static final String FAILED = "Authentication failed.";
    private final PASS delegate = new PASS();
    private final LoginGuard guard;
    private final Accounts accounts;
    private final LogThrottle refusals = new LogThrottle(LOG, Duration.ofMinutes(1));

    GuardedPass(LoginGuard guard, Accounts accounts) {
        this.guard = guard;
        this.accounts = accounts;
    }

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
            throws IOException, FtpException {
        String address = Sessions.clientIp(session);
        LoginGuard.Decision decision;
        try {
            decision = guard.admit(address);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        switch (decision) {
            case LoginGuard.Decision.Banned banned -> {
                session.write(new DefaultFtpReply(FtpReply.REPLY_421_SERVICE_NOT_AVAILABLE_CLOSING_CONTROL_CONNECTION,
                        "Too many failed logins from " + address + "; try again in " + banned.left().toSeconds() + " s."));
                session.close(false);
            }
            case LoginGuard.Decision.TooSoon tooSoon -> {
                session.resetState();
                session.write(new DefaultFtpReply(FtpReply.REPLY_530_NOT_LOGGED_IN,
                        "Login refused: wait " + Math.max(1, tooSoon.retryIn().toSeconds()) + " s after a failed login."));
            }
            case LoginGuard.Decision.Allowed allowed -> check(session, context, request, address);
        }
    }

    private void check(FtpIoSession session, FtpServerContext context, FtpRequest request, String address)
            throws IOException, FtpException {
        boolean concluded = false;
        try {
            String user = session.getUserArgument();
            String refusal = user == null ? null
                    : accounts.requiresTls(user) && !session.isSecure() ? "the account logs in over TLS only"
                    : !accounts.allows(user, address) ? "outside the account's allow list" : null;
            if (refusal != null) {
                accounts.verify(user, request.getArgument()); // the same work as any other login
                session.resetState();
                session.write(new DefaultFtpReply(FtpReply.REPLY_530_NOT_LOGGED_IN, FAILED));
                boolean banned = guard.failed(address);
                concluded = true;
                refusals.log(address, System.Logger.Level.WARNING, () -> "login as '" + user + "' from " + address
                        + " refused: " + refusal + (banned ? "; the address is banned" : ""));
                return;
            }
            delegate.execute(session, context, request);
            if (session.isLoggedIn()) {
                guard.succeeded(address);
                concluded = true;
            } else if (session.getLastReply() != null
                    && session.getLastReply().getCode() == FtpReply.REPLY_530_NOT_LOGGED_IN) {
                boolean banned = guard.failed(address);
                concluded = true;
                refusals.log(address, System.Logger.Level.WARNING, () -> "login as '" + user + "' from " + address
                        + " failed: unknown name or wrong password" + (banned ? "; the address is banned" : ""));
            }
        } finally {
            if (!concluded) {
                guard.abandoned(address);
            }
        }
    }
}
