package io.edgesync.agent.ingest;

import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.command.impl.PASS;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

import java.io.IOException;

/**
 * PASS behind the {@link LoginGuard}: a banned address gets 421 and is disconnected, one that tries too
 * soon after a failure gets 530 without its password being looked at, an account with
 * {@code require-tls} gets 530 on a plain connection, one with an allow list gets 530 from outside it;
 * anything else goes to FtpServer's own PASS and its outcome is counted.
 */
final class GuardedPass extends AbstractCommand {
    private static final System.Logger LOG = System.getLogger(GuardedPass.class.getName());
    private final PASS delegate = new PASS();
    private final LoginGuard guard;
    private final Accounts accounts;

    GuardedPass(LoginGuard guard, Accounts accounts) {
        this.guard = guard;
        this.accounts = accounts;
    }

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
            throws IOException, FtpException {
        String address = Sessions.clientIp(session);
        switch (guard.check(address)) {
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
            case LoginGuard.Decision.Allowed allowed -> {
                String user = session.getUserArgument();
                if (user != null && accounts.requiresTls(user) && !session.isSecure()) {
                    session.resetState();
                    session.write(new DefaultFtpReply(FtpReply.REPLY_530_NOT_LOGGED_IN,
                            "This account logs in over TLS only: use AUTH TLS (FTPS)."));
                    return;
                }
                if (user != null && !accounts.allows(user, address)) {
                    // the same reply as a wrong password: the list is not advertised
                    session.resetState();
                    session.write(new DefaultFtpReply(FtpReply.REPLY_530_NOT_LOGGED_IN, "Login incorrect."));
                    LOG.log(System.Logger.Level.WARNING, "login as ''{0}'' from {1} refused: outside its allow list",
                            user, address);
                    guard.failed(address);
                    return;
                }
                delegate.execute(session, context, request);
                if (session.isLoggedIn()) {
                    guard.succeeded(address);
                } else if (session.getLastReply() != null
                        && session.getLastReply().getCode() == FtpReply.REPLY_530_NOT_LOGGED_IN && guard.failed(address)) {
                    LOG.log(System.Logger.Level.WARNING, "{0} banned after repeated failed logins (last as ''{1}'')",
                            address, user);
                }
            }
        }
    }
}
