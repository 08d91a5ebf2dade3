package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import org.apache.ftpserver.ftplet.FtpReply;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * How many bytes one upload may hold under the user's {@code max-file-size} and quota ({@code quota-bytes},
 * {@code quota-files}), measured against what the user's home holds on disk when the upload starts. The
 * home is walked only for users with a quota (one stat per file in it). Uploads running at the same time
 * for one user are each measured against the disk, so together they may pass the quota by what they
 * carry.
 */
final class Quota {
    private Quota() {
    }

    /** The most bytes the upload may reach (0 = no limit) and the reply when it passes them. */
    record Allowance(long maxBytes, String exceeded) {
    }

    /**
     * @param home   the user's home folder
     * @param target the file the upload creates or replaces; its current bytes are freed by the upload
     */
    static Allowance allowance(FtpSettings.Limits limits, Path home, Path target) throws UploadRefused {
        Allowance perFile = new Allowance(limits.maxFileSize(),
                "File too large for this account (larger than " + limits.maxFileSize() + " bytes); nothing was stored.");
        if (!limits.hasQuota()) {
            return perFile;
        }
        long[] used;
        long replaced;
        try {
            used = usage(home);
            replaced = Files.isRegularFile(target) ? Files.size(target) : -1;
        } catch (IOException e) {
            throw new UploadRefused(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED, "Cannot check the quota; try later.", e);
        }
        if (limits.quotaFiles() > 0 && replaced < 0 && used[1] >= limits.quotaFiles()) {
            throw new UploadRefused(FtpReply.REPLY_552_REQUESTED_FILE_ACTION_ABORTED_EXCEEDED_STORAGE,
                    "Quota exceeded: this account holds " + used[1] + " of its " + limits.quotaFiles()
                            + " files; nothing was stored.");
        }
        if (limits.quotaBytes() <= 0) {
            return perFile;
        }
        long room = limits.quotaBytes() - (used[0] - Math.max(replaced, 0));
        String exceeded = "Quota exceeded: this account may hold " + limits.quotaBytes() + " bytes and holds "
                + used[0] + "; nothing was stored.";
        if (room <= 0) {
            throw new UploadRefused(FtpReply.REPLY_552_REQUESTED_FILE_ACTION_ABORTED_EXCEEDED_STORAGE, exceeded);
        }
        return perFile.maxBytes() > 0 && perFile.maxBytes() <= room ? perFile : new Allowance(room, exceeded);
    }

    /** Bytes and regular files under {@code home}; links are not followed. */
    static long[] usage(Path home) throws IOException {
        long[] used = new long[2];
        Files.walkFileTree(home, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    used[0] += attrs.size();
                    used[1]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // deleted while walking
            }
        });
        return used;
    }
}
