package io.edgesync.agent.ingest;

import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

/**
 * {@code ALLO n}: the client announces the size of the upload that follows (lftp does, for instance). No
 * space is reserved (202, as vsftpd answers), but the size is kept for the next upload from byte 0: one whose
 * data ends short of it was cut, however normally its data connection closed, and is not kept whole.
 */
final class Allo extends AbstractCommand {
    private static final String KEY = "edgesync.allo";

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) {
        session.resetState();
        String argument = request.getArgument() == null ? "" : request.getArgument().trim();
        String first = argument.split("\\s+", 2)[0];
        if (first.matches("\\d{1,18}")) {
            session.setAttribute(KEY, Long.parseLong(first));
            session.write(new DefaultFtpReply(FtpReply.REPLY_202_COMMAND_NOT_IMPLEMENTED,
                    "No storage allocation necessary; " + first + " bytes expected."));
        } else {
            session.removeAttribute(KEY);
            session.write(new DefaultFtpReply(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS,
                    "ALLO needs a size in bytes."));
        }
    }

    /** The size announced for the upload now starting, or -1; it applies to this upload only. */
    static long take(FtpIoSession session) {
        Object announced = session.removeAttribute(KEY);
        return announced instanceof Long size ? size : -1;
    }
}
