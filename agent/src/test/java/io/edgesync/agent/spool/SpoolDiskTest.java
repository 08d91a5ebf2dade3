package io.edgesync.agent.spool;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.testing.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code agent.spool-dir} on a disk of its own (a 4 MiB tmpfs here, as a small USB stick): the disk floor and
 * the storage probe look at both disks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpoolDiskTest {
    @TempDir
    Path dir;

    private static void remount(Path at, String mode) throws Exception {
        Process p = new ProcessBuilder("mount", "-o", "remount," + mode, at.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("remount " + mode).isTrue();
    }

    @Test
    void theFloorAndTheStorageProbeApplyToTheSpoolsOwnDisk() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path stick = Files.createDirectories(dir.resolve("stick"));
        try (Tmpfs small = Tmpfs.mount(stick, "4m")) {
            DiskSpace disk = new DiskSpace(List.of(data, stick), new AgentConfig.Disk(1L << 20, 0));
            DiskSpace.Reading before = disk.read();
            assertThat(before.path()).as("the disk closest to its floor").isEqualTo(stick);
            assertThat(before.belowFloor()).isFalse();
            Files.write(stick.resolve("filler"), new byte[3_500_000]);
            DiskSpace.Reading full = disk.read();
            assertThat(full.path()).isEqualTo(stick);
            assertThat(full.belowFloor()).as("uploads are refused: the spool's disk is below its floor").isTrue();
            assertThat(new DiskSpace(data, new AgentConfig.Disk(1L << 20, 0)).read().belowFloor())
                    .as("the data folder's disk alone has room").isFalse();

            List<AgentEvent> events = new CopyOnWriteArrayList<>();
            StorageHealth storage = new StorageHealth(List.of(data, stick), events::add, Clock.systemUTC());
            Files.delete(stick.resolve("filler")); // full is not failed: the floor handles it
            storage.probe();
            assertThat(storage.problem()).isEmpty();
            remount(stick, "ro");
            try {
                storage.probe();
                assertThat(storage.problem()).hasValueSatisfying(p -> assertThat(p)
                        .isEqualTo("the spool's disk: Read-only file system"));
                assertThat(events).singleElement().isInstanceOfSatisfying(AgentEvent.StorageFailed.class,
                        f -> assertThat(f.path()).isEqualTo(stick.toString()));
            } finally {
                remount(stick, "rw");
            }
            storage.probe();
            assertThat(storage.problem()).isEmpty();
            assertThat(events).last().isInstanceOfSatisfying(AgentEvent.StorageRecovered.class,
                    r -> assertThat(r.path()).isEqualTo(stick.toString()));
        }
    }
}
