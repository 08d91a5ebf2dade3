package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.IgnoredNames;
import io.edgesync.agent.spool.Partials;
import io.edgesync.agent.spool.Retention;
import io.edgesync.agent.spool.SpoolLock;
import io.edgesync.agent.spool.StorageHealth;
import io.edgesync.agent.spool.UploadSink;
import io.edgesync.agent.telemetry.EventSink;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.LongConsumer;

/**
 * What the commands that change the spool (STOR, APPE, STOU, RNTO, DELE) share.
 *
 * @param spool    root of the users' homes
 * @param incoming private folder for uploads in progress, on the spool's file system
 * @param lock     held while a new version enters the spool and the ledger, so retention never deletes it
 * @param partials cut uploads kept for their devices to continue
 * @param storage  told of local write failures; refuses uploads while the disk fails
 * @param room     asked for room when an upload did not fit ({@link Retention#makeRoom}): bytes above the floor
 */
record Intake(Path spool, Path incoming, UploadSink sink, DiskSpace disk, IgnoredNames ignored, EventSink events,
              SpoolLock lock, Accounts accounts, Partials partials, StorageHealth storage, LongConsumer room,
              Clock clock) {

    /** The user's {@code max-file-size} and quota. */
    FtpSettings.Limits limits(org.apache.ftpserver.ftplet.User user) {
        return accounts.limits(user.getName());
    }

    /** The user's home relative to the spool, from FtpServer's absolute home folder. */
    String homeOf(org.apache.ftpserver.ftplet.User user) {
        return spool.relativize(Path.of(user.getHomeDirectory())).toString();
    }
}
