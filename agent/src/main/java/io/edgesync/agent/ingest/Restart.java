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
 * {@code REST n} that holds until the next transfer, as vsftpd and pyftpdlib keep it: FtpServer forgets the
 * offset at the next command of any kind, so a client that sends {@code REST} before {@code PASV} or
 * {@code TYPE} was answered "350 Restarting at n" and then had its {@code STOR} stored from byte 0 of the file,
 * the first n bytes lost. Any transfer (STOR, APPE, STOU, RETR) takes the offset; a new REST replaces it.
 */
final class Restart extends AbstractCommand {
    private static final String KEY = "edgesync.rest";

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) {
        session.resetState();
        String argument = request.getArgument() == null ? "" : request.getArgument().trim();
        if (!argument.matches("\\d{1,18}")) {
            session.removeAttribute(KEY);
            session.write(new DefaultFtpReply(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS,
                    "REST needs a byte offset."));
            return;
        }
        long offset = Long.parseLong(argument);
        session.setAttribute(KEY, offset);
        session.write(new DefaultFtpReply(FtpReply.REPLY_350_REQUESTED_FILE_ACTION_PENDING_FURTHER_INFORMATION,
                "Restarting at " + offset + ". Send STORE or RETRIEVE to initiate transfer."));
    }

    /** The offset a REST set for the transfer now starting (0 without one); it applies to this transfer only. */
    static long take(FtpIoSession session) {
        Object offset = session.removeAttribute(KEY);
        return offset instanceof Long n ? n : 0;
    }

    /** RETR from the offset a REST set, whatever came between them. */
    static Command retrieving() {
        Command retr = new org.apache.ftpserver.command.impl.RETR();
        return new AbstractCommand() {
            @Override
            public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
                    throws IOException, FtpException {
                session.setFileOffset(take(session));
                retr.execute(session, context, request);
            }
        };
    }
}
