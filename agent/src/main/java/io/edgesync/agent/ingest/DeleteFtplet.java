package io.edgesync.agent.ingest;

import io.edgesync.agent.spool.SpoolPath;
import org.apache.ftpserver.ftplet.DefaultFtplet;
import org.apache.ftpserver.ftplet.FtpFile;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.ftplet.FtpSession;
import org.apache.ftpserver.ftplet.FtpletResult;

import java.io.IOException;

/**
 * After a successful DELE, withdraws what was still owed for the deleted file: a device that deletes a
 * file it sent has asked for it not to be delivered. (The file is gone from the spool either way.)
 */
final class DeleteFtplet extends DefaultFtplet {
    private static final System.Logger LOG = System.getLogger(DeleteFtplet.class.getName());
    private final Intake intake;

    DeleteFtplet(Intake intake) {
        this.intake = intake;
    }

    @Override
    public FtpletResult afterCommand(FtpSession session, FtpRequest request, FtpReply reply) {
        if (!"DELE".equalsIgnoreCase(request.getCommand()) || reply == null
                || reply.getCode() != FtpReply.REPLY_250_REQUESTED_FILE_ACTION_OKAY) {
            return FtpletResult.DEFAULT;
        }
        try {
            FtpFile file = session.getFileSystemView().getFile(request.getArgument());
            String path = SpoolPath.resolve(intake.spool(), intake.homeOf(session.getUser()), file.getAbsolutePath())
                    .relative();
            if (!intake.ignored().ignored(path)) {
                intake.sink().withdraw(path);
                LOG.log(System.Logger.Level.INFO, "{0} deleted by {1}; it will not be delivered",
                        path, session.getUser().getName());
            }
        } catch (IOException | RuntimeException | org.apache.ftpserver.ftplet.FtpException e) {
            LOG.log(System.Logger.Level.WARNING, "DELE " + request.getArgument()
                    + ": cannot withdraw its deliveries; they will be parked when the file is found missing", e);
        }
        return FtpletResult.DEFAULT;
    }
}
