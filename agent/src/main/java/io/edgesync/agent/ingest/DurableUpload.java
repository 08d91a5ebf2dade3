package io.edgesync.agent.ingest;

import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.Partials;
import io.edgesync.agent.spool.SpoolPath;
import io.edgesync.agent.spool.SpoolWriter;
import io.edgesync.agent.spool.UploadSink;
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
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * STOR, APPE and STOU that acknowledge only what is durable and whole: the device's bytes go to a private
 * temporary file, which is fsynced; the upload is kept only if its device is still there and did not abort
 * it ({@link Transfer}) and it is as long as an {@code ALLO} announced; it is recorded by the
 * {@link UploadSink} (the ledger commit), then renamed over the final name and the folder fsynced; only then
 * does the device get 226. Any failure before that gets a 4xx/5xx reply and leaves the spool as it was (an
 * acknowledged older version included). An upload cut off is kept as a private partial ({@link Partials})
 * that the device may continue. Replaces FtpServer's own commands, which write to the final name and reply
 * before any hook could run.
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
        long rest = Restart.take(session); // every upload takes it, so that it never reaches a later transfer
        long offset = mode == Mode.STORE ? rest : 0; // APPE appends to what is there, STOU makes a new file
        // FtpServer closes a control connection silent for ftp.idle-timeout, even while its upload flows on
        // the data connection (MINA sees no control traffic): idle detection is off until the final reply is
        // out. A stalled data connection still ends by its own timeout.
        int idle = session.getConfig().getIdleTime(IdleStatus.BOTH_IDLE);
        long announced = Allo.take(session);
        WriteFuture reply = null;
        Transfer transfer = Transfer.begin(session);
        try {
            SpoolPath target = target(session, request);
            checkDataConnectionRequested(session);
            checkStorage(session, target);
            checkDiskFloor(session, target);
            Prefix prefix = prefix(target, offset);
            Quota.Allowance allowance = Quota.allowance(intake.limits(session.getUser()), intake,
                    intake.homeOf(session.getUser()), target);
            session.getConfig().setIdleTime(IdleStatus.BOTH_IDLE, 0);
            session.write(new DefaultFtpReply(FtpReply.REPLY_150_FILE_STATUS_OKAY,
                    (mode == Mode.UNIQUE ? "FILE: " + Path.of(target.relative()).getFileName() : "Opening data connection")
                            + " for " + request.getCommand() + "."));
            ReceivedFile received = receive(session, transfer, target, prefix, allowance,
                    prefix.length() == 0 ? announced : -1);
            reply = session.write(new DefaultFtpReply(FtpReply.REPLY_226_CLOSING_DATA_CONNECTION,
                    "Transfer complete; " + received.size() + " bytes stored durably."));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply = session.write(new DefaultFtpReply(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED,
                    "The server is stopping; nothing was stored."));
        } catch (UploadRefused e) {
            LOG.log(e.code() >= 500 || e.getCause() != null ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "{0} {1} by {2} from {3} refused: {4} {5}{6}", request.getCommand(), request.getArgument(),
                    Sessions.userName(session), Sessions.clientIp(session), e.code(), e.getMessage(),
                    e.getCause() == null ? "" : " (" + e.getCause() + ")");
            reply = session.write(new DefaultFtpReply(e.code(), e.getMessage()));
        } finally {
            transfer.end();
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

    /** A second look at the device, after the record: an interrupted look (the server stopping) counts as gone. */
    private static boolean goneNow(Transfer transfer) {
        try {
            return transfer.deviceGone(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** While the data folder's disk refuses writes, nothing is accepted, and the device is told why. */
    private void checkStorage(FtpIoSession session, SpoolPath target) throws UploadRefused {
        Optional<String> problem = intake.storage().problem();
        if (problem.isPresent()) {
            intake.events().publish(new AgentEvent.UploadRefused(target.relative(), Sessions.userName(session),
                    Sessions.clientIp(session), FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED, "storage-failed",
                    intake.clock().instant()));
            throw new UploadRefused(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED, "Storage failed on this agent ("
                    + problem.get() + "); nothing was stored, try again later.");
        }
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
            intake.room().accept(0); // until-floor: back above the floor for the next try
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

    /**
     * What the upload continues: nothing, the front of the complete file (APPE: all of it; REST n + STOR: its
     * first n bytes), or the front of the device's own cut upload of the path, which takes precedence.
     *
     * @param partial the cut upload to continue, if that is the source
     */
    private record Prefix(long length, Optional<Path> partial) {
    }

    private Prefix prefix(SpoolPath target, long restOffset) throws UploadRefused {
        if (mode != Mode.APPEND && restOffset == 0) {
            intake.partials().discard(target); // a new upload from byte 0: an older cut one is not continued
            return new Prefix(0, Optional.empty());
        }
        if (restOffset < 0) {
            throw new UploadRefused(554, "Restart offset " + restOffset + " is not valid.");
        }
        Optional<Path> partial = mode == Mode.UNIQUE ? Optional.empty() : intake.partials().find(target);
        if (partial.isPresent()) {
            long have = partial.get().toFile().length();
            if (mode == Mode.APPEND) {
                return new Prefix(have, partial);
            }
            if (restOffset <= have) {
                return new Prefix(restOffset, partial);
            }
            throw new UploadRefused(554, "Restart offset " + restOffset + " is beyond the " + have
                    + " bytes received of the cut upload.");
        }
        boolean exists = Files.isRegularFile(target.file());
        long existing = exists ? target.file().toFile().length() : 0;
        if (mode == Mode.APPEND) {
            return new Prefix(existing, Optional.empty());
        }
        if (restOffset > existing) {
            throw new UploadRefused(554,
                    "Restart offset " + restOffset + " is beyond the file's " + existing + " bytes.");
        }
        return new Prefix(restOffset, Optional.empty());
    }

    /**
     * @param announced the size an {@code ALLO} announced for this upload, or -1
     */
    private ReceivedFile receive(FtpIoSession session, Transfer transfer, SpoolPath target, Prefix prefix,
                                 Quota.Allowance allowance, long announced) throws UploadRefused, InterruptedException {
        DataSource data;
        try {
            data = DataSource.open(session);
        } catch (Exception e) {
            throw new UploadRefused(FtpReply.REPLY_425_CANT_OPEN_DATA_CONNECTION, "Cannot open data connection.");
        }
        transfer.attach(data.socket());
        try (SpoolWriter writer = writer(target, prefix, allowance)) {
            try {
                transfer(session, data, writer, target, prefix, allowance);
            } catch (UploadRefused e) {
                if (e.code() == FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED && !transfer.aborted()) {
                    writer.keepAsPartial(target, intake.partials());
                }
                throw e;
            }
            writer.sync(); // the file's fsync, the longest step, needs no lock: nothing else sees the temporary
            complete(transfer, writer, target, announced);
            ReceivedFile received = new ReceivedFile(target.relative(), writer.size(), writer.sha256Hex(),
                    intake.clock().instant(), Sessions.userName(session), Sessions.clientIp(session))
                    .withStamp(writer.stamp());
            commit(writer, target, received, transfer);
            intake.partials().discard(target);
            return received;
        } catch (IOException e) {
            intake.storage().failed(e);
            throw new UploadRefused(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED,
                    "Local error (" + e.getMessage() + "); nothing was stored, please send the file again.", e);
        }
    }

    private SpoolWriter writer(SpoolPath target, Prefix prefix, Quota.Allowance allowance)
            throws IOException, UploadRefused {
        if (prefix.partial().isPresent()) {
            try {
                return SpoolWriter.continuing(intake.incoming(), prefix.partial().get(), prefix.length(),
                        allowance.maxBytes());
            } catch (SpoolWriter.TooLargeException e) {
                throw new UploadRefused(FtpReply.REPLY_552_REQUESTED_FILE_ACTION_ABORTED_EXCEEDED_STORAGE,
                        allowance.exceeded());
            }
        }
        return new SpoolWriter(intake.incoming(), allowance.maxBytes());
    }

    /**
     * The data ended normally; the upload is whole only if it was not aborted, its device did not vanish with
     * it, and it is as long as announced. A cut upload is kept for the device to continue.
     */
    private void complete(Transfer transfer, SpoolWriter writer, SpoolPath target, long announced)
            throws UploadRefused, InterruptedException, IOException {
        if (transfer.aborted()) {
            throw new UploadRefused(FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED,
                    "Transfer aborted; nothing was stored.");
        }
        if (transfer.deviceGone(transfer.grace())) {
            writer.keepAsPartial(target, intake.partials());
            throw new UploadRefused(FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED,
                    "Control connection closed during transfer; nothing was stored.");
        }
        if (announced > writer.size()) {
            writer.keepAsPartial(target, intake.partials());
            throw new UploadRefused(FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED, "Transfer ended after "
                    + writer.size() + " of the " + announced + " bytes announced by ALLO; nothing was stored.");
        }
    }

    private void transfer(FtpIoSession session, DataSource data, SpoolWriter writer, SpoolPath target,
                                 Prefix prefix, Quota.Allowance allowance) throws UploadRefused, IOException {
        if (prefix.length() > 0 && prefix.partial().isEmpty()) {
            try {
                writer.copyPrefix(target.file(), prefix.length());
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
            intake.storage().failed(e);
            if (String.valueOf(e.getMessage()).contains("No space left")) {
                intake.room().accept(2 * writer.size() + (16L << 20)); // the device's next try should fit
            }
            throw new UploadRefused(FtpReply.REPLY_452_REQUESTED_ACTION_NOT_TAKEN,
                    "Cannot store the file here now (" + e.getMessage() + "); nothing was stored.", e);
        } catch (IOException e) {
            throw new UploadRefused(FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED,
                    "Transfer aborted; nothing was stored.", e);
        }
    }

    /**
     * Where an upload's bytes come from. A binary upload is read straight from the data socket in large
     * reads: FtpServer's own copy moves 4 KiB at a time through two more buffers. ASCII uploads (line ends converted) and MODE Z keep FtpServer's.
     */
    private interface DataSource {
        void copyTo(FtpIoSession session, SpoolWriter writer) throws IOException;

        /** The data connection's socket, so that an ABOR can close it; null when out of reach. */
        Socket socket();

        static DataSource open(FtpIoSession session) throws Exception {
            DataConnection connection = session.getDataConnection().openConnection();
            Socket socket = connection instanceof IODataConnection io ? FtpServerInternals.dataSocket(io) : null;
            if (socket != null && session.getDataConnection() instanceof IODataConnectionFactory io && !io.isZipMode()
                    && session.getDataType() == DataType.BINARY) {
                return new Direct(socket);
            }
            return new Framed(connection, socket);
        }

        /** FtpServer's copy, which converts line ends for TYPE A and inflates MODE Z. */
        record Framed(DataConnection connection, Socket socket) implements DataSource {
            @Override
            public void copyTo(FtpIoSession session, SpoolWriter writer) throws IOException {
                try (OutputStream out = writer.stream()) {
                    connection.transferFromClient(session.getFtpletSession(), out);
                }
            }
        }

        /**
         * The data socket itself, read into one reused buffer; each read goes to the file as it comes (up
         * to 128 KiB, the JDK's cap on one socket read); filling the buffer before each write was slower
         * (docs/benchmarks.md, lab notes). FtpServer closes the socket with the data connection.
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

    /**
     * Records the upload, then puts it in place: a record that fails leaves the spool as it was, and a rename
     * that fails is undone and the record forgotten. Under the path's lock, so that retention and renames see
     * the spool and the ledger agree.
     */
    private void commit(SpoolWriter writer, SpoolPath target, ReceivedFile received, Transfer transfer)
            throws IOException, UploadRefused {
        boolean published = intake.lock().locked(() -> {
            if (intake.ignored().ignored(received.path())) {
                writer.publish(target.file());
                LOG.log(System.Logger.Level.DEBUG, "stored {0}; not delivered until renamed", received.path());
                return true;
            }
            long id;
            try {
                id = intake.sink().record(received);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "upload " + received.path() + " cannot be recorded; nothing was"
                        + " stored and the device is told to send it again", e);
                throw e;
            }
            if (goneNow(transfer)) {
                // its control connection ended while the record was written: a killed client, not a whole upload
                intake.sink().discard(id);
                return false;
            }
            try {
                writer.publish(target.file());
            } catch (IOException e) {
                try {
                    intake.sink().discard(id);
                } catch (IOException forget) {
                    e.addSuppressed(forget); // the next start finds it never got into place
                }
                throw e;
            }
            intake.sink().published(id, received);
            return true;
        }, received.path());
        if (!published) {
            writer.keepAsPartial(target, intake.partials());
            throw new UploadRefused(FtpReply.REPLY_426_CONNECTION_CLOSED_TRANSFER_ABORTED,
                    "Control connection closed during transfer; nothing was stored.");
        }
        LOG.log(System.Logger.Level.DEBUG, "received {0} ({1} bytes) from {2}", received.path(), received.size(),
                received.user());
    }
}
