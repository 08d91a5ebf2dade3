package io.edgesync.agent.ingest;

import io.edgesync.agent.spool.Partials;
import io.edgesync.agent.spool.SpoolPath;
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

/**
 * {@code SIZE} that reports how much of a cut upload the agent kept ({@link Partials}), which is how clients
 * find where to continue ({@code curl -C -}, {@code lftp put -c}); without a partial, FtpServer's own SIZE.
 */
final class PartialSize extends AbstractCommand {
    private final Command size = new org.apache.ftpserver.command.impl.SIZE();
    private final Intake intake;

    PartialSize(Intake intake) {
        this.intake = intake;
    }

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
            throws IOException, FtpException {
        String argument = request.getArgument();
        if (argument != null && !argument.isBlank() && intake.partials().enabled()) {
            try {
                FtpFile file = session.getFileSystemView().getFile(argument.trim());
                long partial = file == null ? -1 : intake.partials().size(
                        SpoolPath.resolve(intake.spool(), intake.homeOf(session.getUser()), file.getAbsolutePath()));
                if (partial >= 0) {
                    session.resetState();
                    session.write(new DefaultFtpReply(FtpReply.REPLY_213_FILE_STATUS, Long.toString(partial)));
                    return;
                }
            } catch (IllegalArgumentException notInTheSpool) {
                // FtpServer's SIZE answers it
            }
        }
        size.execute(session, context, request);
    }
}
