package io.edgesync.agent.ingest;

import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.ledger.SpoolStamp;
import io.edgesync.agent.spool.SpoolLock;
import io.edgesync.agent.spool.SpoolPath;
import io.edgesync.agent.spool.SpoolWriter;
import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpFile;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * RNTO that devices can rely on: the rename replaces an existing file (as vsftpd does; FtpServer's own
 * RNTO answers 553), and is recorded before it is made and fsynced after, all before the 250: a device's
 * {@code x.tmp} renamed to {@code x.jpg} is recorded and delivered under its final name only, and what was
 * owed under the old name is withdrawn. A record that fails leaves both names as they were. A folder can be
 * renamed only while none of its files is still owed upstream.
 */
final class DurableRename extends AbstractCommand {
    private static final System.Logger LOG = System.getLogger(DurableRename.class.getName());
    private final Intake intake;

    DurableRename(Intake intake) {
        this.intake = intake;
    }

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) {
        try {
            FtpFile from = session.getRenameFrom();
            if (from == null) {
                throw new UploadRefused(FtpReply.REPLY_503_BAD_SEQUENCE_OF_COMMANDS, "Send RNFR first.");
            }
            String argument = request.getArgument();
            if (argument == null || argument.isBlank()) {
                throw new UploadRefused(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS, "RNTO needs a name.");
            }
            FtpFile to = session.getFileSystemView().getFile(argument);
            if (to == null || !to.isWritable()) {
                throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                        "Permission denied.");
            }
            String home = intake.homeOf(session.getUser());
            SpoolPath source = spoolPath(home, from.getAbsolutePath());
            SpoolPath target = spoolPath(home, to.getAbsolutePath());
            SpoolLock.Step<Void, Exception> move = () -> {
                checkRename(source, target);
                if (Files.isDirectory(source.file())) {
                    rename(source, target);
                } else {
                    renameRecorded(session, source, target);
                }
                return null;
            };
            if (Files.isDirectory(source.file())) {
                intake.lock().lockedAll(move); // every path under the folder moves
            } else {
                intake.lock().locked(move, source.relative(), target.relative());
            }
            session.write(new DefaultFtpReply(FtpReply.REPLY_250_REQUESTED_FILE_ACTION_OKAY, "Rename successful."));
        } catch (UploadRefused e) {
            LOG.log(e.code() >= 500 ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                    "RNTO {0} by {1} refused: {2} {3}", request.getArgument(), Sessions.userName(session),
                    e.code(), e.getMessage());
            session.write(new DefaultFtpReply(e.code(), e.getMessage()));
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "RNTO " + request.getArgument() + " failed", e);
            session.write(new DefaultFtpReply(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED,
                    "Local error; try again."));
        } finally {
            session.resetState();
        }
    }

    private SpoolPath spoolPath(String home, String virtualPath) throws UploadRefused {
        try {
            return SpoolPath.resolve(intake.spool(), home, virtualPath);
        } catch (IllegalArgumentException e) {
            throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                    "File name not allowed.");
        }
    }

    private void checkRename(SpoolPath source, SpoolPath target) throws UploadRefused, IOException {
        if (!Files.exists(source.file())) {
            throw new UploadRefused(FtpReply.REPLY_550_REQUESTED_ACTION_NOT_TAKEN, "No such file.");
        }
        if (Files.isDirectory(target.file())) {
            throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                    "Target is a folder.");
        }
        if (!Files.isDirectory(target.file().getParent())) {
            throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                    "No such folder; create it first (MKD).");
        }
        if (Files.isDirectory(source.file()) && intake.sink().owed(source.relative()).files() > 0) {
            throw new UploadRefused(FtpReply.REPLY_450_REQUESTED_FILE_ACTION_NOT_TAKEN,
                    "Folder holds files still waiting for delivery; try again later.");
        }
    }

    private static void rename(SpoolPath source, SpoolPath target) throws IOException {
        Files.move(source.file(), target.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SpoolWriter.fsyncDirectory(target.file().getParent());
        if (!source.file().getParent().equals(target.file().getParent())) {
            SpoolWriter.fsyncDirectory(source.file().getParent());
        }
    }

    /**
     * A file renamed to a delivered name is recorded first (its inode, which the rename keeps, tells the
     * version); if the rename then fails, the record is forgotten. What the old name owed is withdrawn after.
     */
    private void renameRecorded(FtpIoSession session, SpoolPath source, SpoolPath target) throws IOException {
        Optional<Long> recorded = Optional.empty();
        ReceivedFile received = null;
        if (!intake.ignored().ignored(target.relative())) {
            received = new ReceivedFile(target.relative(), Files.size(source.file()),
                    SpoolWriter.sha256Of(source.file()), intake.clock().instant(), Sessions.userName(session),
                    Sessions.clientIp(session)).withStamp(SpoolStamp.read(source.file()));
            recorded = Optional.of(intake.sink().record(received));
        }
        try {
            rename(source, target);
        } catch (IOException e) {
            if (recorded.isPresent()) {
                try {
                    intake.sink().discard(recorded.get());
                } catch (IOException forget) {
                    e.addSuppressed(forget);
                }
            }
            throw e;
        }
        if (!intake.ignored().ignored(source.relative())) {
            intake.sink().withdraw(source.relative());
        }
        if (recorded.isPresent()) {
            intake.sink().published(recorded.get(), received);
        }
    }
}
