package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.spool.Partials;
import io.edgesync.agent.spool.SpoolPath;
import io.edgesync.agent.spool.UploadSink;
import org.apache.ftpserver.ftplet.FtpReply;

import java.io.IOException;

/**
 * How many bytes one upload may hold under the user's {@code max-file-size} and quota ({@code quota-bytes},
 * {@code quota-files}). A quota bounds what the device holds that is still owed to an upstream (waiting, in
 * flight or parked, from the ledger), plus its cut uploads kept to be continued ({@link Partials}), measured
 * when the upload starts. Copies already delivered and kept by retention do not count: they are the spool's to
 * evict. Files stored under an {@code ftp.ignore} name (device temporaries) are not owed and do not count.
 * Uploads running at the same time for one user are each measured against what is recorded, so together they
 * may pass the quota by what they carry.
 */
final class Quota {
    private Quota() {
    }

    /** The most bytes the upload may reach (0 = no limit) and the reply when it passes them. */
    record Allowance(long maxBytes, String exceeded) {
    }

    /**
     * @param home   the user's home folder, relative to the spool
     * @param target the file the upload creates or replaces; what it still owes, and its partial, are freed
     */
    static Allowance allowance(FtpSettings.Limits limits, Intake intake, String home, SpoolPath target)
            throws UploadRefused {
        Allowance perFile = new Allowance(limits.maxFileSize(),
                "File too large for this account (larger than " + limits.maxFileSize() + " bytes); nothing was stored.");
        if (!limits.hasQuota()) {
            return perFile;
        }
        long files;
        long bytes;
        boolean replaces;
        try {
            UploadSink.Owed owed = intake.sink().owed(home);
            UploadSink.Owed partials = intake.partials().under(home);
            UploadSink.Owed replaced = intake.sink().owed(target.relative());
            long partial = Math.max(0, intake.partials().size(target));
            replaces = replaced.files() > 0 || partial > 0;
            files = owed.files() + partials.files();
            bytes = owed.bytes() + partials.bytes() - replaced.bytes() - partial;
        } catch (IOException e) {
            throw new UploadRefused(FtpReply.REPLY_451_REQUESTED_ACTION_ABORTED, "Cannot check the quota; try later.", e);
        }
        if (limits.quotaFiles() > 0 && !replaces && files >= limits.quotaFiles()) {
            throw new UploadRefused(FtpReply.REPLY_552_REQUESTED_FILE_ACTION_ABORTED_EXCEEDED_STORAGE,
                    "Quota exceeded: this account holds " + files + " of its " + limits.quotaFiles()
                            + " files not yet delivered; nothing was stored.");
        }
        if (limits.quotaBytes() <= 0) {
            return perFile;
        }
        long room = limits.quotaBytes() - bytes;
        String exceeded = "Quota exceeded: this account may hold " + limits.quotaBytes() + " bytes not yet delivered"
                + " and holds " + bytes + "; nothing was stored.";
        if (room <= 0) {
            throw new UploadRefused(FtpReply.REPLY_552_REQUESTED_FILE_ACTION_ABORTED_EXCEEDED_STORAGE, exceeded);
        }
        return perFile.maxBytes() > 0 && perFile.maxBytes() <= room ? perFile : new Allowance(room, exceeded);
    }
}
