package io.edgesync.agent.ingest;

import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.SpoolPath;
import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.command.Command;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Commands for a technician standing next to a device with an FTP client: {@code SITE DF} (spool free
 * space), {@code SITE SYNC <file>} (that file's delivery per upstream), {@code SITE QUEUE} (backlog per
 * upstream), {@code SITE HELP}, and {@code STAT} without argument (agent id, version, uptime, sessions).
 * FtpServer's SITE dispatches {@code SITE X} to the command named {@code SITE_X}.
 */
final class SiteCommands {
    private static final String HELP = String.join("\n",
            "The following SITE commands are recognized:",
            " DF           free space of the spool and the floor below which uploads are refused",
            " SYNC <file>  delivery of <file> to each upstream",
            " QUEUE        files still owed to each upstream",
            " CHMOD <mode> <file>  permissions of a file you sent (needs the account's 'M' letter)",
            " HELP         this list",
            "End of help.");

    private SiteCommands() {
    }

    static Map<String, Command> all(Intake intake, SiteInfo info) {
        return Map.of(
                "SITE_DF", new Df(intake),
                "SITE_SYNC", new Sync(intake, info),
                "SITE_QUEUE", new Queue(info),
                "SITE_CHMOD", new Chmod(intake),
                "SITE_HELP", reply(FtpReply.REPLY_214_HELP_MESSAGE, HELP),
                "STAT", new Stat(info));
    }

    private static Command reply(int code, String text) {
        return new AbstractCommand() {
            @Override
            public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) {
                session.resetState();
                session.write(new DefaultFtpReply(code, text));
            }
        };
    }

    /** The part of {@code SITE X arg} after {@code X}, trimmed; empty if none. */
    private static String siteArgument(FtpRequest request) {
        String argument = request.getArgument() == null ? "" : request.getArgument().trim();
        int space = argument.indexOf(' ');
        return space < 0 ? "" : argument.substring(space + 1).trim();
    }

    private static final class Df extends AbstractCommand {
        private final Intake intake;

        Df(Intake intake) {
            this.intake = intake;
        }

        @Override
        public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) throws IOException {
            session.resetState();
            DiskSpace.Reading r = intake.disk().read();
            session.write(new DefaultFtpReply(FtpReply.REPLY_200_COMMAND_OKAY, String.format(
                    "Spool: %d MiB free of %d MiB; uploads are refused below %d MiB%s.", r.freeBytes() >> 20,
                    r.totalBytes() >> 20, r.floorBytes() >> 20, r.belowFloor() ? " (refusing now)" : "")));
        }
    }

    private static final class Sync extends AbstractCommand {
        private final Intake intake;
        private final SiteInfo info;

        Sync(Intake intake, SiteInfo info) {
            this.intake = intake;
            this.info = info;
        }

        @Override
        public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
                throws IOException, FtpException {
            session.resetState();
            String name = siteArgument(request);
            if (name.isEmpty()) {
                session.write(new DefaultFtpReply(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS,
                        "Usage: SITE SYNC <file>"));
                return;
            }
            String path;
            try {
                path = SpoolPath.resolve(intake.spool(), intake.homeOf(session.getUser()),
                        session.getFileSystemView().getFile(name).getAbsolutePath()).relative();
            } catch (IllegalArgumentException e) {
                session.write(new DefaultFtpReply(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                        "File name not allowed."));
                return;
            }
            List<String> lines = info.deliveries(path);
            if (lines.isEmpty()) {
                session.write(new DefaultFtpReply(FtpReply.REPLY_550_REQUESTED_ACTION_NOT_TAKEN,
                        name + ": not received (or stored under a name that is not delivered)."));
                return;
            }
            List<String> reply = new ArrayList<>();
            reply.add(name + ":");
            lines.forEach(l -> reply.add(" " + l));
            reply.add("End");
            session.write(new DefaultFtpReply(FtpReply.REPLY_200_COMMAND_OKAY, String.join("\n", reply)));
        }
    }

    /**
     * {@code SITE CHMOD <mode> <file>}, for accounts with the letter {@code M} (checked before, by
     * {@link PermissionFtplet}). The spool copy takes the mode, with the owner's read and write kept: the
     * agent must go on reading it for delivery.
     */
    private static final class Chmod extends AbstractCommand {
        private final Intake intake;

        Chmod(Intake intake) {
            this.intake = intake;
        }

        @Override
        public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
                throws IOException, FtpException {
            session.resetState();
            String[] parts = siteArgument(request).split("\\s+", 2);
            if (parts.length < 2 || !parts[0].matches("0?[0-7]{3}")) {
                session.write(new DefaultFtpReply(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS,
                        "Usage: SITE CHMOD <octal mode, e.g. 640> <file>"));
                return;
            }
            Path file;
            try {
                file = SpoolPath.resolve(intake.spool(), intake.homeOf(session.getUser()),
                        session.getFileSystemView().getFile(parts[1]).getAbsolutePath()).file();
            } catch (IllegalArgumentException e) {
                session.write(new DefaultFtpReply(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                        "File name not allowed."));
                return;
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                session.write(new DefaultFtpReply(FtpReply.REPLY_550_REQUESTED_ACTION_NOT_TAKEN,
                        parts[1] + ": no such file."));
                return;
            }
            int mode = Integer.parseInt(parts[0], 8) | 0600;
            Set<PosixFilePermission> permissions =
                    EnumSet.noneOf(PosixFilePermission.class);
            PosixFilePermission[] bits = PosixFilePermission.values();
            for (int i = 0; i < 9; i++) {
                if ((mode & (0400 >> i)) != 0) {
                    permissions.add(bits[i]); // values() runs OWNER_READ .. OTHERS_EXECUTE, as the bits do
                }
            }
            try {
                Files.setPosixFilePermissions(file, permissions);
            } catch (UnsupportedOperationException e) {
                // a spool on a file system without modes: nothing to set
            }
            session.write(new DefaultFtpReply(FtpReply.REPLY_200_COMMAND_OKAY, "SITE CHMOD command successful."));
        }
    }

    private static final class Queue extends AbstractCommand {
        private final SiteInfo info;

        Queue(SiteInfo info) {
            this.info = info;
        }

        @Override
        public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) throws IOException {
            session.resetState();
            List<String> reply = new ArrayList<>();
            reply.add("Upstreams:");
            info.queue().forEach(l -> reply.add(" " + l));
            reply.add("End");
            session.write(new DefaultFtpReply(FtpReply.REPLY_200_COMMAND_OKAY, String.join("\n", reply)));
        }
    }

    /** STAT without argument reports the agent; with one it lists, as FtpServer's STAT does. */
    private static final class Stat extends AbstractCommand {
        private final Command listing = new org.apache.ftpserver.command.impl.STAT();
        private final SiteInfo info;

        Stat(SiteInfo info) {
            this.info = info;
        }

        @Override
        public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request)
                throws IOException, FtpException {
            if (request.getArgument() != null && !request.getArgument().isBlank()) {
                listing.execute(session, context, request);
                return;
            }
            session.resetState();
            long up = info.uptime().toSeconds();
            session.write(new DefaultFtpReply(FtpReply.REPLY_211_SYSTEM_STATUS_REPLY, String.join("\n",
                    "edgesync " + info.version() + " on agent " + info.agentId(),
                    " Up " + (up / 86_400) + "d " + (up % 86_400 / 3_600) + "h " + (up % 3_600 / 60) + "m",
                    " Sessions: " + context.getFtpStatistics().getCurrentConnectionNumber() + " connected, "
                            + context.getFtpStatistics().getCurrentLoginNumber() + " logged in",
                    " You: " + session.getUser().getName() + " from " + Sessions.clientIp(session),
                    "End of status")));
        }
    }
}
