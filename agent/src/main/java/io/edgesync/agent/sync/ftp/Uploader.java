package io.edgesync.agent.sync.ftp;

import io.edgesync.agent.config.Secret;

import java.io.Closeable;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/** Opens sessions to one upstream. A session makes one attempt per call and never retries by itself. */
public interface Uploader {

    Session open() throws UpstreamException;

    /**
     * As {@link #open()}, with {@code sign} run at each reply the server sends this session (its whole life):
     * the sync worker's sign of life for the service watchdog.
     */
    default Session open(Runnable sign) throws UpstreamException {
        return open();
    }

    /**
     * As {@link #open(Runnable)}, with {@code control} told the bytes of each command sent and reply received
     * on the control connection (a data budget counts them).
     */
    default Session open(Runnable sign, LongConsumer control) throws UpstreamException {
        return open(sign);
    }

    /** Sessions opened from now on log in with these ({@code reload-config}); open ones keep theirs. */
    void useCredentials(String user, Secret password);

    /**
     * One file to publish.
     *
     * @param file the spool file, opened by the caller (who closes it): the version the delivery is for, whatever
     *             the spool path holds meanwhile
     * @param local where it was opened, for messages
     * @param relativePath where, under the upstream's base folder
     * @param sha256 the digest computed at ingest, compared when the server can hash
     * @param tag unique per delivery; part of the temporary name, so every attempt of a delivery writes
     *            the same temporary
     * @param mayResume the ledger knows this delivery's temporary to be ours and partial: continue it
     * @param progress told the bytes of the file upstream so far (resumed bytes included) as they go
     * @param beforePublish asked once the temporary is complete and verified, right before the rename: throws
     *                      when the file must not be published after all (a newer version, or withdrawn)
     * @param pace the bandwidth limits the data shares, and the budget it is counted in
     * @param fileTime the device's time of the file (its MFMT, or the upload's), set upstream when offered
     */
    record Upload(FileChannel file, Path local, String relativePath, long size, String sha256, String tag,
                  boolean mayResume, LongConsumer progress, Check beforePublish, Pace pace,
                  java.util.Optional<java.time.Instant> fileTime) {

        public Upload(FileChannel file, Path local, String relativePath, long size, String sha256, String tag,
                      boolean mayResume, LongConsumer progress, Check beforePublish, Pace pace) {
            this(file, local, relativePath, size, sha256, tag, mayResume, progress, beforePublish, pace,
                    java.util.Optional.empty());
        }

        /** Without a limit. */
        public Upload(FileChannel file, Path local, String relativePath, long size, String sha256, String tag,
                      boolean mayResume, LongConsumer progress, Check beforePublish) {
            this(file, local, relativePath, size, sha256, tag, mayResume, progress, beforePublish, Pace.NONE);
        }
    }

    /** A last look before the rename that makes a file visible upstream. */
    @FunctionalInterface
    interface Check {
        void check() throws UpstreamException;
    }

    /**
     * What was done.
     *
     * @param verifiedBy {@code sha256} when the server hashed the file, else {@code size}
     * @param resumedFrom bytes already upstream that were not sent again (0 = a full upload)
     * @param fileTime how the file's time was set upstream ({@code MFMT}, {@code SITE UTIME}, {@code MDTM}), or
     *                 why not ({@code off}, {@code not offered}, {@code refused: <reply>})
     * @param mode the mode set upstream ({@code SITE CHMOD}), {@code refused: <reply>}, or empty when none is set
     */
    record Published(String verifiedBy, long resumedFrom, String fileTime, String mode) {
        public Published(String verifiedBy, long resumedFrom) {
            this(verifiedBy, resumedFrom, "off", "");
        }
    }

    /** One logged-in connection; not thread-safe, used by one worker at a time. */
    interface Session extends Closeable {
        /** Uploads under a temporary name, verifies it, renames it to the final name. */
        Published upload(Upload upload) throws UpstreamException;

        /** The upstream temporary {@link #upload} writes for {@code relativePath} and {@code tag}. */
        String tempPath(String relativePath, String tag);

        /** Whether the connection still answers (NOOP); false when the server closed it meanwhile. */
        boolean alive();

        /** Deletes a leftover temporary; false when the server refused (it may be gone already). */
        boolean deleteQuietly(String path);

        /** Ends the connection with a QUIT, waiting (at most control-timeout) for its reply. */
        @Override
        void close();

        /** Ends the connection at once, without a QUIT: after a failure, when the server may not answer. */
        void abandon();
    }
}
