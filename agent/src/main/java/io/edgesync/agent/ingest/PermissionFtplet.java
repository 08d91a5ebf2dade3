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
        Optional<Character> needed = Permissions.required(request.getCommand(), request.getArgument());
        if (needed.isEmpty()) {
            return FtpletResult.DEFAULT;
        }
        FtpSettings.User settings = accounts.get(user.getName()).orElse(null);
        if (settings != null && settings.requireTls() && TRANSFERS.contains(request.getCommand().toUpperCase(Locale.ROOT))
                && !session.getDataConnection().isSecure()) {
            LOG.log(System.Logger.Level.INFO, "refused {0} for user {1} from {2}: data channel not protected (PROT P)",
                    request.getCommand(), user.getName(), session.getClientAddress());
            session.write(new DefaultFtpReply(521, "Data connections must be protected for this account; send PROT P."));
            return FtpletResult.SKIP;
        }
        if (settings != null && settings.may(needed.get())) {
            return FtpletResult.DEFAULT;
        }
        LOG.log(System.Logger.Level.INFO, "refused {0} for user {1} from {2}: needs permission ''{3}''",
                request.getCommand(), user.getName(), session.getClientAddress(), needed.get());
        session.write(new DefaultFtpReply(FtpReply.REPLY_550_REQUESTED_ACTION_NOT_TAKEN,
                "Permission denied (" + request.getCommand() + " needs '" + needed.get() + "')."));
        return FtpletResult.SKIP;
    }
}
