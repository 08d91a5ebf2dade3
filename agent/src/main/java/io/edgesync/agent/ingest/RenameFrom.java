package io.edgesync.agent.ingest;

import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.command.Command;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpFile;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

import java.io.IOException;

/** {@code RNFR} of a name that does not exist gets 550 at once (FtpServer's answers 350, then RNTO fails). */
final class RenameFrom extends AbstractCommand {
    private final Command rnfr = new org.apache.ftpserver.command.impl.RNFR();

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
            throws IOException, FtpException {
        String argument = request.getArgument();
        FtpFile file = null;
        if (argument != null && !argument.isBlank()) {
            try {
                file = session.getFileSystemView().getFile(argument);
            } catch (FtpException | RuntimeException e) {
                file = null;
            }
        }
        if (argument != null && !argument.isBlank() && (file == null || !file.doesExist())) {
            session.resetState();
            session.write(new DefaultFtpReply(FtpReply.REPLY_550_REQUESTED_ACTION_NOT_TAKEN, argument + ": no such file."));
            return;
        }
        rnfr.execute(session, context, request);
    }
}
