package io.edgesync.agent.spool;

import io.edgesync.agent.TestConfigs;
import io.edgesync.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Free space by statvfs of the folder itself (a chroot's mount table need not list it: Arm64IT runs there). */
class DiskSpaceTest {
    @TempDir
    Path dir;

    @Test
    void theFolderItselfIsAsked() throws IOException {
        AgentConfig config = TestConfigs.load(dir, "agent: {id: t, data-dir: \"" + dir + "\"}\n");
        DiskSpace.Reading r = new DiskSpace(dir, config.disk()).read();
        assertThat(r.totalBytes()).isPositive();
        assertThat(r.freeBytes()).isPositive().isLessThanOrEqualTo(r.totalBytes());
        assertThat(r.floorBytes()).isPositive();
    }

    @Test
    void aMissingFolderIsAnErrorNotAnEmptyDisk() {
        AgentConfig config = TestConfigs.load(dir, "agent: {id: t, data-dir: \"" + dir + "\"}\n");
        assertThatThrownBy(() -> new DiskSpace(dir.resolve("gone"), config.disk()).read())
                .isInstanceOf(IOException.class).hasMessageContaining("no such folder");
    }
}
