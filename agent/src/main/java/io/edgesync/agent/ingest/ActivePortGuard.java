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
        if (!(extended ? numericEprt(request.getArgument()) : numericPort(request.getArgument()))) {
            // FtpServer hands the address to InetAddress.getByName: a name (or 999.1.2.3) would be looked up
            session.resetState();
            session.write(new DefaultFtpReply(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS,
                    extended ? "EPRT needs |1|a.b.c.d|port| or |2|ipv6|port| with a numeric address (RFC 2428)."
                            : "PORT needs h1,h2,h3,h4,p1,p2: six numbers 0-255."));
            return;
        }
        OptionalInt port = extended ? eprtPort(request.getArgument()) : portPort(request.getArgument());
        if (port.isPresent() && port.getAsInt() < 1024) {
            session.resetState();
            session.write(new DefaultFtpReply(FtpReply.REPLY_504_COMMAND_NOT_IMPLEMENTED_FOR_THAT_PARAMETER,
                    "Data connections to privileged ports are not allowed."));
            return;
        }
        delegate.execute(session, context, request); // syntax, address and active-mode checks
    }

    private static final java.util.regex.Pattern BYTE = java.util.regex.Pattern.compile("\\d{1,3}");
    private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile(
            "(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final java.util.regex.Pattern IPV6 = java.util.regex.Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /** Six numbers 0-255: nothing that {@code InetAddress.getByName} would take for a host name. */
    static boolean numericPort(String argument) {
        if (argument == null) {
            return false;
        }
        String[] parts = argument.trim().split(",", -1);
        return parts.length == 6 && java.util.Arrays.stream(parts).map(String::trim)
                .allMatch(p -> BYTE.matcher(p).matches() && Integer.parseInt(p) <= 255);
    }

    /** {@code |1|a.b.c.d|port|} or {@code |2|ipv6|port|} with a literal address. */
    static boolean numericEprt(String argument) {
        if (argument == null || argument.trim().length() < 2) {
            return false;
        }
        String a = argument.trim();
        String[] parts = a.substring(1).split(java.util.regex.Pattern.quote(a.substring(0, 1)), -1);
        if (parts.length < 3) {
            return false;
        }
        if (parts[0].equals("1")) {
            java.util.regex.Matcher m = IPV4.matcher(parts[1]);
            if (!m.matches()) {
                return false;
            }
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        return parts[0].equals("2") && parts[1].indexOf(':') >= 0 && IPV6.matcher(parts[1]).matches();
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
