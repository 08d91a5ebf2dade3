package io.edgesync.agent.spool;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.telemetry.Metrics;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Free space of the data folder's file system against the configured floor ({@code disk.floor-bytes},
 * {@code disk.floor-percent}). Thread-safe; each call asks the file system ({@code statvfs} of the folder,
 * through {@link File#getUsableSpace}): {@code Files.getFileStore} reads the mount table first and fails
 * where it does not list the folder (a chroot, some containers), which refused every upload with 451.
 */
public final class DiskSpace {
    private final List<Path> folders;
    private final AgentConfig.Disk settings;

    public DiskSpace(Path dataDir, AgentConfig.Disk settings) {
        this(List.of(dataDir), settings);
    }

    /**
     * @param folders the data folder, and {@code agent.spool-dir} when the spool is on a disk of its own: each
     *                has the floor, and the one closest to it (or furthest below) is the reading
     */
    public DiskSpace(List<Path> folders, AgentConfig.Disk settings) {
        this.folders = List.copyOf(folders);
        this.settings = settings;
    }

    /** One reading of the file system. */
    public record Reading(Path path, long freeBytes, long totalBytes, long floorBytes) {
        public boolean belowFloor() {
            return freeBytes < floorBytes;
        }

        /** Bytes to free to be back at the floor (0 when above it). */
        public long shortfall() {
            return Math.max(0, floorBytes - freeBytes);
        }
    }

    /** {@code edgesync_disk_free_bytes} and {@code edgesync_disk_floor_bytes}, read at each scrape. */
    public void registerGauges(Metrics metrics) {
        metrics.gauge("edgesync.disk.free.bytes", "Usable bytes on the data folder's file system", this,
                d -> d.readOr(Reading::freeBytes));
        metrics.gauge("edgesync.disk.floor.bytes", "Below this, new uploads are refused with 452", this,
                d -> d.readOr(Reading::floorBytes));
    }

    private double readOr(java.util.function.ToLongFunction<Reading> value) {
        try {
            return value.applyAsLong(read());
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** One statvfs of each folder's file system: the one with the least room above its floor. */
    public Reading read() throws IOException {
        Reading tightest = null;
        for (Path folder : folders) {
            Reading r = read(folder);
            if (tightest == null || r.freeBytes() - r.floorBytes() < tightest.freeBytes() - tightest.floorBytes()) {
                tightest = r;
            }
        }
        return tightest;
    }

    private Reading read(Path dataDir) throws IOException {
        File folder = dataDir.toFile();
        long total = folder.getTotalSpace();
        long usable = folder.getUsableSpace();
        if (total <= 0) { // File's answer when statvfs fails
            throw new IOException("cannot read the free space of " + dataDir + (Files.isDirectory(dataDir)
                    ? "" : ": no such folder"));
        }
        return new Reading(dataDir, usable, total, settings.floorFor(total));
    }
}
