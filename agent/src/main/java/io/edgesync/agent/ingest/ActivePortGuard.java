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
import java.util.OptionalInt;

/**
 * PORT and EPRT that refuse a privileged data port (below 1024), as RFC 2577 advises against FTP bounce;
 * FtpServer's own command then checks the address is the client's own ({@code activeIpCheck}) and that
 * active mode is enabled ({@code ftp.active}).
 */
final class ActivePortGuard extends AbstractCommand {
    private final Command delegate;
    private final boolean extended;

    private ActivePortGuard(Command delegate, boolean extended) {
        this.delegate = delegate;
        this.extended = extended;
    }

    static ActivePortGuard port() {
        return new ActivePortGuard(new org.apache.ftpserver.command.impl.PORT(), false);
    }

    static ActivePortGuard eprt() {
        return new ActivePortGuard(new org.apache.ftpserver.command.impl.EPRT(), true);
    }

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
            throws IOException, FtpException {
        OptionalInt port = extended ? eprtPort(request.getArgument()) : portPort(request.getArgument());
        if (port.isPresent() && port.getAsInt() < 1024) {
            session.resetState();
            session.write(new DefaultFtpReply(FtpReply.REPLY_504_COMMAND_NOT_IMPLEMENTED_FOR_THAT_PARAMETER,
                    "Data connections to privileged ports are not allowed."));
            return;
        }
        delegate.execute(session, context, request); // syntax, address and active-mode checks
    }

    /** {@code h1,h2,h3,h4,p1,p2}. */
    static OptionalInt portPort(String argument) {
        if (argument == null) {
            return OptionalInt.empty();
        }
        String[] parts = argument.trim().split(",");
        if (parts.length != 6) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(parts[4].trim()) * 256 + Integer.parseInt(parts[5].trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** {@code |proto|address|port|} with any delimiter (RFC 2428). */
    static OptionalInt eprtPort(String argument) {
        if (argument == null || argument.trim().length() < 2) {
            return OptionalInt.empty();
        }
        String a = argument.trim();
        String[] parts = a.substring(1).split(java.util.regex.Pattern.quote(a.substring(0, 1)), -1);
        if (parts.length < 3) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(parts[2].trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
