package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.DefaultFtplet;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.ftplet.FtpSession;
import org.apache.ftpserver.ftplet.FtpletResult;
import org.apache.ftpserver.ftplet.User;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Enforces each user's permission letters before any command runs (FtpServer itself only knows
 * "writable or not"): a refused command gets 550 and is not executed. For a {@code require-tls} user it
 * also refuses transfers over an unprotected data channel with 521 (PROT P first), as vsftpd's
 * {@code force_local_data_ssl} does: a TLS login alone would still send the files in clear.
 */
final class PermissionFtplet extends DefaultFtplet {
    private static final System.Logger LOG = System.getLogger(PermissionFtplet.class.getName());
    private static final Set<String> TRANSFERS = Set.of("STOR", "STOU", "APPE", "RETR", "LIST", "NLST", "MLSD");
    /** After {@code EPSV ALL} only EPSV may set up a data connection (RFC 2428 section 4). */
    private static final Set<String> DATA_SETUP = Set.of("PORT", "EPRT", "PASV");
    private static final io.edgesync.agent.telemetry.LogThrottle REFUSALS =
            new io.edgesync.agent.telemetry.LogThrottle(LOG, java.time.Duration.ofMinutes(1));
    private final Accounts accounts;

    PermissionFtplet(Accounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public FtpletResult beforeCommand(FtpSession session, FtpRequest request) throws FtpException, IOException {
        User user = session.getUser();
        if (user == null) {
            return FtpletResult.DEFAULT; // FtpServer refuses everything but login commands before login
        }
        String name = request.getCommand().toUpperCase(Locale.ROOT);
        if (session.getAttribute(EpsvAll.KEY) != null && DATA_SETUP.contains(name)) {
            session.write(new DefaultFtpReply(FtpReply.REPLY_503_BAD_SEQUENCE_OF_COMMANDS,
                    name + " refused after EPSV ALL; use EPSV."));
            return FtpletResult.SKIP;
        }
        Optional<Character> needed = Permissions.required(request.getCommand(), request.getArgument());
        if (needed.isEmpty()) {
            return FtpletResult.DEFAULT;
        }
        FtpSettings.User settings = accounts.get(user.getName()).orElse(null);
        String command = request.getCommand().toUpperCase(Locale.ROOT);
        if (settings != null && settings.requireTls() && TRANSFERS.contains(command)
                && !session.getDataConnection().isSecure()) {
            logRefusal(session, command, user.getName(), "data channel not protected (PROT P)");
            session.write(new DefaultFtpReply(521, "Data connections must be protected for this account; send PROT P."));
            return FtpletResult.SKIP;
        }
        if (settings != null && (settings.may(needed.get())
                // an account that may create folders may enter them (curl --ftp-create-dirs enters each one)
                || needed.get() == 'e' && settings.may('m'))) {
            return FtpletResult.DEFAULT;
        }
        if (needed.get() == Permissions.NO_ACCOUNT) {
            logRefusal(session, command, user.getName(), "offered to no account");
            session.write(new DefaultFtpReply(FtpReply.REPLY_502_COMMAND_NOT_IMPLEMENTED,
                    "Command not offered here."));
            return FtpletResult.SKIP;
        }
        logRefusal(session, command, user.getName(), "needs permission '" + needed.get() + "'");
        session.write(new DefaultFtpReply(FtpReply.REPLY_550_REQUESTED_ACTION_NOT_TAKEN,
                "Permission denied (" + request.getCommand() + " needs '" + needed.get() + "')."));
        return FtpletResult.SKIP;
    }

    /**
     * Refusals are logged once per client address, command and minute (with the count left out): many clients
     * try the same refused command after every file (lftp mirror sends MFMT and SITE CHMOD after each upload),
     * and a client reconnecting to repeat one must not flood the log either.
     */
    private static void logRefusal(FtpSession session, String command, String user, String why) {
        String from = Sessions.address(session.getClientAddress());
        REFUSALS.log(from + " " + command, System.Logger.Level.INFO, () -> "refused " + command + " for user " + user
                + " from " + from + ": " + why);
    }
}
