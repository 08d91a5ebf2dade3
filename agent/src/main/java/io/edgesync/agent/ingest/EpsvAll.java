package io.edgesync.agent.ingest;

import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.command.Command;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

import java.io.IOException;

/**
 * {@code EPSV ALL} as RFC 2428 section 4 has it: 200, and from then on the session sets up data connections
 * with EPSV only ({@link PermissionFtplet} refuses PORT, EPRT and PASV); FtpServer's EPSV opened a passive
 * port for it. Any other EPSV is FtpServer's.
 */
final class EpsvAll extends AbstractCommand {
    static final String KEY = "edgesync.epsv-all";
    private final Command epsv = new org.apache.ftpserver.command.impl.EPSV();

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
            throws IOException, FtpException {
        if (request.getArgument() != null && request.getArgument().trim().equalsIgnoreCase("ALL")) {
            session.resetState();
            session.setAttribute(KEY, Boolean.TRUE);
            session.write(new DefaultFtpReply(FtpReply.REPLY_200_COMMAND_OKAY,
                    "EPSV ALL: from now on only EPSV sets up data connections."));
            return;
        }
        epsv.execute(session, context, request);
    }
}
