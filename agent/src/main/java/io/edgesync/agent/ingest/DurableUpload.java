package io.edgesync.agent.ingest;

import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.telemetry.AgentEvent;
import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.ftplet.DataConnection;
import org.apache.ftpserver.ftplet.DataConnectionFactory;
import org.apache.ftpserver.ftplet.DataType;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpFile;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;
import org.apache.ftpserver.impl.IODataConnection;
import org.apache.ftpserver.impl.IODataConnectionFactory;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IdleStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * STOR, APPE and STOU that acknowledge only what is durable: the device's bytes go to a private
 * temporary file, which is fsynced and renamed over the final name, the folder fsynced, and the upload
 * handed to the {@link UploadSink} (the ledger commit); only then does the device get 226. Any failure
 * before that gets a 4xx/5xx reply and leaves the spool as it was. Replaces FtpServer's own commands,
 * which write to the final name and reply before any hook could run.
 */
final class DurableUpload extends AbstractCommand {
    enum Mode { STORE, APPEND, UNIQUE }

    private static final System.Logger LOG = System.getLogger(DurableUpload.class.getName());

    private final Mode mode;
    private final Intake intake;

    DurableUpload(Mode mode, Intake intake) {
        this.mode = mode;
        this.intake = intake;
    }

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) {
        long offset = session.getFileOffset();
        // FtpServer closes a control connection silent for ftp.idle-timeout, even while its upload flows on
        // the data connection (MINA sees no control traffic): idle detection is off until the final reply is
        // out. A stalled data connection still ends by its own timeout.
        int idle = session.getConfig().getIdleTime(IdleStatus.BOTH_IDLE);
        WriteFuture reply = null;
        try {
            SpoolPath target = target(session, request);
            checkDataConnectionRequested(session);
            checkDiskFloor(session, target);
            long prefix = prefixLength(target, offset);
            Quota.Allowance allowance = Quota.allowance(intake.limits(session.getUser()),
                    Path.of(session.getUser().getHomeDirectory()), target.file());
            session.getConfig().setIdleTime(IdleStatus.BOTH_IDLE, 0);
            session.write(new DefaultFtpReply(FtpReply.REPLY_150_FILE_STATUS_OKAY,
                    (mode == Mode.UNIQUE ? "FILE: " + Path.of(target.relative()).getFileName() : "Opening data connection")
                            + " for " + request.getCommand() + "."));
            ReceivedFile received = receive(session, target, prefix, allowance);
            reply = session.write(new DefaultFtpReply(FtpReply.REPLY_226_CLOSING_DATA_CONNECTION,
                    "Transfer complete; " + received.size() + " bytes stored durably."));
        } catch (UploadRefused e) {
            LOG.log(e.code() >= 500 || e.getCause() != null ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "{0} {1} by {2} from {3} refused: {4} {5}", request.getCommand(), request.getArgument(),
                    Sessions.userName(session), Sessions.clientIp(session), e.code(), e.getMessage());
            reply = session.write(new DefaultFtpReply(e.code(), e.getMessage()));
        } finally {
            session.resetState();
            session.getDataConnection().closeDataConnection();
            if (reply != null) {
                reply.awaitUninterruptibly(5, TimeUnit.SECONDS); // written: the idle clock starts from it
            }
            session.getConfig().setIdleTime(IdleStatus.BOTH_IDLE, idle);
        }
    }

    private SpoolPath target(FtpIoSession session, FtpRequest request) throws UploadRefused {
        String argument = request.getArgument();
        if (mode == Mode.UNIQUE) {
            String prefix = argument == null || argument.isBlank() ? "" : argument.trim() + ".";
            argument = prefix + UUID.randomUUID();
        } else if (argument == null || argument.isBlank()) {
            throw new UploadRefused(FtpReply.REPLY_501_SYNTAX_ERROR_IN_PARAMETERS_OR_ARGUMENTS,
                    request.getCommand() + " needs a file name.");
        }
        FtpFile file = resolve(session, argument);
        if (file.isDirectory()) {
            throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                    argument + " is a folder.");
        }
        if (!file.isWritable()) {
            throw new UploadRefused(FtpReply.REPLY_550_REQUESTED_ACTION_NOT_TAKEN, "Permission denied.");
        }
        SpoolPath target;
        try {
            target = SpoolPath.resolve(intake.spool(), intake.homeOf(session.getUser()), file.getAbsolutePath());
        } catch (IllegalArgumentException e) {
            throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                    "File name not allowed.");
        }
        if (!Files.isDirectory(target.file().getParent())) {
            throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                    "No such folder; create it first (MKD).");
        }
        return target; // a path that leads outside the home through a link is not writable: ConfinedFileSystem
    }

    private static FtpFile resolve(FtpIoSession session, String argument) throws UploadRefused {
        try {
            FtpFile file = session.getFileSystemView().getFile(argument);
            if (file != null) {
                return file;
            }
        } catch (Exception e) {
            throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                    "File name not allowed.");
        }
        throw new UploadRefused(FtpReply.REPLY_553_REQUESTED_ACTION_NOT_TAKEN_FILE_NAME_NOT_ALLOWED,
                "File name not allowed.");
    }

    /** G7: below the free-space floor nothing is accepted, so the ledger and the spool never fill up. */
    private void checkDiskFloor(FtpIoSession session, SpoolPath target) throws UploadRefused {
        DiskSpace.Reading disk;
        try {
            disk = intake.disk().read();
        } catch (IOException e) {
            throw new UploadRefused(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED, "Cannot check free space; try later.", e);
        }
        if (disk.belowFloor()) {
            intake.events().publish(new AgentEvent.UploadRefused(target.relative(), Sessions.userName(session), Sessions.clientIp(session),
                    FtpReply.REPLY_452_REQUESTED_ACTION_NOT_TAKEN, "disk-floor", intake.clock().instant()));
            throw new UploadRefused(FtpReply.REPLY_452_REQUESTED_ACTION_NOT_TAKEN,
                    "Insufficient storage space; nothing was stored, try again later.");
        }
    }

    /** FtpServer's own rule (FTPSERVER-110): PORT, PASV or EPSV must come before a transfer. */
    private static void checkDataConnectionRequested(FtpIoSession session) throws UploadRefused {
        DataConnectionFactory factory = session.getDataConnection();
        if (factory instanceof IODataConnectionFactory io && io.getInetAddress() == null) {
            throw new UploadRefused(FtpReply.REPLY_503_BAD_SEQUENCE_OF_COMMANDS, "PORT or PASV must be issued first.");
        }
    }

    /** How many bytes of the existing file the upload keeps: all for APPE, the REST offset for STOR. */
    private long prefixLength(SpoolPath target, long restOffset) throws UploadRefused {
        boolean exists = Files.isRegularFile(target.file());
        long existing = exists ? target.file().toFile().length() : 0;
        if (mode == Mode.APPEND) {
            return existing;
        }
        if (restOffset < 0 || restOffset > existing) {
            throw new UploadRefused(554,
                    "Restart offset " + restOffset + " is beyond the file's " + existing + " bytes.");
        }
        return restOffset;
    }

    private ReceivedFile receive(FtpIoSession session, SpoolPath target, long prefix, Quota.Allowance allowance)
            throws UploadRefused {
        DataSource data;
        try {
            data = DataSource.open(session);
        } catch (Exception e) {
            throw new UploadRefused(FtpReply.REPLY_425_CANT_OPEN_DATA_CONNECTION, "Cannot open data connection.");
        }
        try (SpoolWriter writer = new SpoolWriter(intake.incoming(), allowance.maxBytes())) {
            transfer(session, data, writer, target, prefix, allowance);
            if (!session.isConnected()) {
                // the control connection is gone: the device can never see a 226, so this is not an upload
                throw new UploadRefused(FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED,
                        "Control connection closed during transfer.");
            }
            ReceivedFile received = new ReceivedFile(target.relative(), writer.size(), writer.sha256Hex(),
                    intake.clock().instant(), Sessions.userName(session), Sessions.clientIp(session));
            commit(writer, target, received);
            return received;
        } catch (IOException e) {
            throw new UploadRefused(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED,
                    "Local error; nothing was stored, please send the file again.", e);
        }
    }

    private static void transfer(FtpIoSession session, DataSource data, SpoolWriter writer, SpoolPath target,
                                 long prefix, Quota.Allowance allowance) throws UploadRefused, IOException {
        if (prefix > 0) {
            try {
                writer.copyPrefix(target.file(), prefix);
            } catch (SpoolWriter.TooLargeException e) {
                throw new UploadRefused(FtpReply.REPLY_552_REQUESTED_FILE_ACTION_ABORTED_EXCEEDED_STORAGE,
                        allowance.exceeded());
            }
        }
        try {
            data.copyTo(session, writer);
        } catch (SpoolWriter.TooLargeException e) {
            throw new UploadRefused(FtpReply.REPLY_552_REQUESTED_FILE_ACTION_ABORTED_EXCEEDED_STORAGE,
                    allowance.exceeded());
        } catch (SpoolWriter.LocalWriteException e) {
            throw new UploadRefused(FtpReply.REPLY_452_REQUESTED_ACTION_NOT_TAKEN,
                    "Cannot store the file here now (" + e.getMessage() + "); nothing was stored.", e);
        } catch (IOException e) {
            throw new UploadRefused(FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED,
                    "Transfer aborted; nothing was stored.", e);
        }
    }

    /**
     * Where an upload's bytes come from. A binary upload is read straight from the data socket in large
     * reads: FtpServer's own copy moves 4 KiB at a time through two more buffers (256 MiB with curl: 315
     * MB/s against vsftpd's 485, measured). ASCII uploads (line ends converted) and MODE Z keep FtpServer's.
     */
    private interface DataSource {
        /** FtpServer 1.2.1 keeps the data socket in a private field; without it, FtpServer's copy is used. */
        Optional<Field> SOCKET = socketField();

        private static Optional<Field> socketField() {
            try {
                Field field = IODataConnection.class.getDeclaredField("socket");
                field.setAccessible(true);
                return Optional.of(field);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "uploads use FtpServer's 4 KiB copy: " + e);
                return Optional.empty();
            }
        }

        void copyTo(FtpIoSession session, SpoolWriter writer) throws IOException;

        static DataSource open(FtpIoSession session) throws Exception {
            DataConnection connection = session.getDataConnection().openConnection();
            if (SOCKET.isPresent() && connection instanceof IODataConnection
                    && session.getDataConnection() instanceof IODataConnectionFactory io && !io.isZipMode()
                    && session.getDataType() == DataType.BINARY) {
                return new Direct((Socket) SOCKET.get().get(connection));
            }
            return new Framed(connection);
        }

        /** FtpServer's copy, which converts line ends for TYPE A and inflates MODE Z. */
        record Framed(DataConnection connection) implements DataSource {
            @Override
            public void copyTo(FtpIoSession session, SpoolWriter writer) throws IOException {
                try (OutputStream out = writer.stream()) {
                    connection.transferFromClient(session.getFtpletSession(), out);
                }
            }
        }

        /**
         * The data socket itself, read into one reused buffer; each read goes to the file as it comes (up
         * to 128 KiB, the JDK's cap on one socket read). Filling the buffer before each write looked
         * cheaper and halved B1 (400 against 720 MB/s, three runs each; cause not found). FtpServer closes
         * the socket with the data connection.
         */
        record Direct(Socket socket) implements DataSource {
            @Override
            public void copyTo(FtpIoSession session, SpoolWriter writer) throws IOException {
                InputStream in = socket.getInputStream();
                byte[] buf = ReceiveBuffers.take();
                try {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        writer.write(buf, 0, n);
                    }
                } finally {
                    ReceiveBuffers.give(buf);
                }
            }
        }
    }

    private void commit(SpoolWriter writer, SpoolPath target, ReceivedFile received) throws IOException {
        writer.sync(); // the file's fsync, the longest step, needs no lock: nothing else sees the temporary
        intake.lock().locked(() -> {
            writer.publish(target.file());
            if (intake.ignored().ignored(received.path())) {
                LOG.log(System.Logger.Level.DEBUG, "stored {0}; not delivered until renamed", received.path());
                return null;
            }
            try {
                intake.sink().accept(received);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "upload " + received.path() + " is on disk but not recorded;"
                        + " the device is told to send it again", e);
                throw e;
            }
            return null;
        }, received.path());
        LOG.log(System.Logger.Level.DEBUG, "received {0} ({1} bytes) from {2}", received.path(), received.size(),
                received.user());
    }
}
