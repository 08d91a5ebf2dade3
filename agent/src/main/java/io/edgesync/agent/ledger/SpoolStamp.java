package io.edgesync.agent.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * Which version of a spool file is on disk: its inode (the file key: device and inode number) and its
 * modification time, as recorded at ingest. A rename keeps both, so the stamp of an upload's temporary is
 * the stamp of the spool file it becomes; a newer upload of the same path is a new inode. A copy of the spool
 * restored from a backup has new inodes: a stamp that differs is then settled by the SHA-256.
 *
 * @param fileKey {@link BasicFileAttributes#fileKey()} as text, e.g. {@code (dev=803,ino=1234)}
 */
public record SpoolStamp(String fileKey, long size, long modifiedNanos) {

    public static SpoolStamp of(BasicFileAttributes attributes) {
        return new SpoolStamp(String.valueOf(attributes.fileKey()), attributes.size(),
                attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS));
    }

    /** The stamp of the file at {@code file} (not following a link). */
    public static SpoolStamp read(Path file) throws IOException {
        return of(Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    }
}
