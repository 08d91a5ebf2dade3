package io.edgesync.agent.spool;

import io.edgesync.agent.ledger.SpoolStamp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Receives one upload into a private temporary file under {@code incoming/<stripe>/} (same file system as
 * the spool), hashing every byte, and publishes it into the spool only when asked: fsync the file, rename it
 * over the final name atomically, fsync the folder. Until {@link #publish} a crash leaves nothing in the
 * spool. Not thread-safe: one per upload.
 */
public final class SpoolWriter implements AutoCloseable {
    private static final int BUFFER = 256 * 1024;
    /**
     * A large upload's bytes are handed to the disk every this many bytes while it is still arriving, on
     * another thread, so the fsync before the 226 finds little left to write.
     */
    private static final long FLUSH_EVERY = 16L << 20;
    /** Smaller uploads are hashed inline: a thread costs more than their hashing. */
    private static final long HASH_AHEAD_FROM = 4L << 20;
    private static final ExecutorService FLUSHER = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("spool-flush").factory());
    /**
     * Temporaries are spread over this many folders of {@code incoming/}, in turn: creating a file holds its
     * folder's lock in the kernel while an inode is allocated, and concurrent uploads into one folder queued
     * there (figures: docs/benchmarks.md, lab notes).
     */
    private static final int STRIPES = 8;
    private static final AtomicInteger NEXT_STRIPE = new AtomicInteger();

    private final Path temp;
    private final long maxSize;
    private final FileChannel channel;
    private final MessageDigest sha256;
    private long size;
    private boolean published; // the temporary is gone: in the spool, or kept as a partial
    private long flushRequestedAt;
    private Future<?> flushing; // the background flush in progress, if any
    private Hasher hasher;      // hashes on its own thread once the upload is large; null before
    private final ChannelSink sink = new ChannelSink();

    /** @param maxSize the upload is refused past this many bytes (0 = no limit) */
    public SpoolWriter(Path incomingDir, long maxSize) throws IOException {
        this.temp = newTemp(incomingDir);
        this.maxSize = maxSize;
        this.channel = create(temp);
        this.sha256 = newSha256();
    }

    private SpoolWriter(Path temp, FileChannel channel, long maxSize) {
        this.temp = temp;
        this.channel = channel;
        this.maxSize = maxSize;
        this.sha256 = newSha256();
    }

    private static Path newTemp(Path incomingDir) {
        return stripe(incomingDir, NEXT_STRIPE.getAndIncrement()).resolve(UUID.randomUUID() + ".part");
    }

    /**
     * Continues a cut upload kept as {@code partial}: its first {@code keep} bytes (hashed again here) become
     * the start of this upload, the rest of it is cut off; the partial becomes this writer's temporary.
     *
     * @throws TooLargeException when {@code keep} alone passes {@code maxSize}
     */
    public static SpoolWriter continuing(Path incomingDir, Path partial, long keep, long maxSize) throws IOException {
        if (maxSize > 0 && keep > maxSize) {
            throw new TooLargeException(maxSize);
        }
        Path temp = newTemp(incomingDir);
        Files.createDirectories(temp.getParent());
        Files.move(partial, temp, StandardCopyOption.ATOMIC_MOVE);
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
        SpoolWriter writer = new SpoolWriter(temp, channel, maxSize);
        try {
            channel.truncate(keep);
            ByteBuffer buf = ByteBuffer.allocate(BUFFER);
            for (long pos = 0; pos < keep; ) {
                buf.clear().limit((int) Math.min(BUFFER, keep - pos));
                int n = channel.read(buf, pos);
                if (n < 0) {
                    throw new IOException(partial + " is shorter than " + keep + " bytes");
                }
                writer.sha256.update(buf.array(), 0, n);
                pos += n;
            }
            channel.position(keep);
            writer.size = keep;
            writer.flushRequestedAt = keep;
            return writer;
        } catch (IOException | RuntimeException e) {
            writer.close();
            throw e;
        }
    }

    /** The {@code n}th folder of {@code incoming/} (any int; they repeat every {@value #STRIPES}). */
    private static Path stripe(Path incomingDir, int n) {
        return incomingDir.resolve(Integer.toString(Math.floorMod(n, STRIPES)));
    }

    /** Every folder of {@code incoming/} a temporary may be in. */
    public static List<Path> stripes(Path incomingDir) {
        return IntStream.range(0, STRIPES).mapToObj(n -> stripe(incomingDir, n)).toList();
    }

    private static FileChannel create(Path temp) throws IOException {
        try {
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            Files.createDirectories(temp.getParent()); // made at start; removed by hand since
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    /** Copies the first {@code length} bytes of {@code existing} (for APPE, or REST + STOR) into the upload. */
    public void copyPrefix(Path existing, long length) throws IOException {
        try (InputStream in = Files.newInputStream(existing); OutputStream out = stream()) {
            long left = length;
            byte[] buf = new byte[BUFFER];
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(existing + " is shorter than " + length + " bytes");
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    /**
     * A buffered stream into the temporary file, for writers that hand over small pieces; closing it
     * flushes but keeps the file open for {@link #publish}.
     */
    public OutputStream stream() {
        return new BufferedOutputStream(sink, BUFFER);
    }

    /** Writes (and hashes and counts) {@code len} bytes unbuffered: for a caller that writes large pieces. */
    public void write(byte[] b, int off, int len) throws IOException {
        sink.write(b, off, len);
    }

    /** Hashes and counts every byte on its way to the channel; closing it leaves the channel open. */
    private final class ChannelSink extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (maxSize > 0 && size + len > maxSize) {
                throw new TooLargeException(maxSize);
            }
            if (hasher != null) {
                hasher.submit(b, off, len);
            } else {
                sha256.update(b, off, len);
                if (size + len >= HASH_AHEAD_FROM) {
                    hasher = new Hasher();
                }
            }
            size += len;
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            try {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            } catch (IOException e) {
                throw new LocalWriteException(e);
            }
            if (size - flushRequestedAt >= FLUSH_EVERY && (flushing == null || flushing.isDone())) {
                flushRequestedAt = size;
                flushing = FLUSHER.submit(() -> {
                    channel.force(false); // errors show again in the final fsync
                    return null;
                });
            }
        }
    }

    /** The upload passed the user's {@code max-file-size}. */
    public static final class TooLargeException extends IOException {
        TooLargeException(long maxSize) {
            super("larger than " + maxSize + " bytes");
        }
    }

    /** Writing to the local disk failed (full, read-only, I/O error): the device's fault is not involved. */
    public static final class LocalWriteException extends IOException {
        LocalWriteException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    public long size() {
        return size;
    }

    /**
     * Hashes a large upload on its own thread while the session's thread receives and writes it, so that the
     * hash does not delay the 226. Chunks are copied into a few reused buffers; a full pipeline makes the receiver wait.
     */
    private final class Hasher {
        private static final int DEPTH = 4;
        private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH);
        private static final Chunk END = new Chunk(new byte[0], 0);
        private final ArrayBlockingQueue<Chunk> full = new ArrayBlockingQueue<>(DEPTH + 1);
        private final Thread thread;

        Hasher() {
            for (int i = 0; i < DEPTH; i++) {
                free.add(new byte[BUFFER]);
            }
            thread = Thread.ofVirtual().name("upload-hash").start(this::run);
        }

        void submit(byte[] b, int off, int len) throws IOException {
            for (int done = 0; done < len; ) {
                int n = Math.min(BUFFER, len - done);
                try {
                    byte[] chunk = free.take();
                    System.arraycopy(b, off + done, chunk, 0, n);
                    full.put(new Chunk(chunk, n));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("upload interrupted");
                }
                done += n;
            }
        }

        private void run() {
            try {
                while (true) {
                    Chunk next = full.take();
                    if (next == END) {
                        return;
                    }
                    sha256.update(next.data(), 0, next.length());
                    free.add(next.data());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the upload was abandoned
            }
        }

        /** Waits until every byte submitted is hashed. */
        void finish() {
            try {
                full.put(END);
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while hashing an upload", e);
            }
        }

        void abandon() {
            thread.interrupt();
        }

        private record Chunk(byte[] data, int length) {
        }
    }

    public String sha256Hex() {
        if (hasher != null) {
            hasher.finish();
            hasher = null;
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** Makes the temporary file's bytes durable (fsync) and closes it; {@link #publish} does it if not done. */
    public void sync() throws IOException {
        awaitFlush();
        if (!channel.isOpen()) {
            return;
        }
        try {
            channel.force(true);
        } catch (IOException e) {
            throw new LocalWriteException(e);
        }
        channel.close();
    }

    /** The temporary's inode and modification time, which the spool file keeps after {@link #publish}. */
    public SpoolStamp stamp() throws IOException {
        sync();
        return SpoolStamp.read(temp);
    }

    /**
     * Makes the upload durable under {@code target}; the folder must exist. If the folder's fsync fails after
     * the rename, the rename is undone (the version it replaced is put back, kept meanwhile as a second link
     * under {@code incoming/}), so that a failure leaves the spool as it was.
     */
    public void publish(Path target) throws IOException {
        sync();
        Path previous = null;
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            previous = temp.resolveSibling(temp.getFileName() + ".prev");
            try {
                Files.createLink(previous, target);
            } catch (IOException | UnsupportedOperationException e) {
                previous = null; // a file system without links: the undo below cannot restore the old version
            }
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            published = true;
            try {
                fsyncDirectory(target.getParent());
            } catch (IOException e) {
                undo(target, previous, e);
                throw e;
            }
        } finally {
            if (previous != null) {
                Files.deleteIfExists(previous);
            }
        }
    }

    /** Puts back what {@code target} held before the rename (or nothing), as far as the disk lets it. */
    private static void undo(Path target, Path previous, IOException cause) {
        try {
            if (previous != null) {
                Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(target);
            }
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Keeps what was received so far as the device's partial of {@code target} instead of discarding it
     * (nothing when nothing came).
     */
    public void keepAsPartial(SpoolPath target, Partials partials) throws IOException {
        if (hasher != null) {
            hasher.abandon();
            hasher = null;
        }
        awaitFlush();
        channel.close();
        if (size > 0 && !published && partials.enabled()) {
            partials.keep(temp, target);
            published = !Files.exists(temp);
        }
    }

    /** The SHA-256 of a complete file already in the spool (a device's rename of its temporary). */
    public static String sha256Of(Path file) throws IOException {
        MessageDigest digest = newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) >= 0) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private void awaitFlush() {
        if (flushing != null) {
            try {
                flushing.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                // the final fsync reports what is still wrong
            }
            flushing = null;
        }
    }

    /** Discards the temporary file unless it was published. */
    @Override
    public void close() throws IOException {
        if (hasher != null) {
            hasher.abandon();
        }
        awaitFlush();
        channel.close();
        if (!published) {
            Files.deleteIfExists(temp);
        }
    }
}
