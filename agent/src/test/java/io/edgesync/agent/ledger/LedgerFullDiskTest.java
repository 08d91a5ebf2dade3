package io.edgesync.agent.ledger;

import io.edgesync.testing.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger on a disk that fills up (a real 2 MiB tmpfs): a commit that fails leaves the ledger exactly as
 * before it, every later write either commits or fails whole, and the ledger works again by itself once
 * space returns.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LedgerFullDiskTest {
    @TempDir
    Path dir;

    @Test
    void aFullDiskFailsWritesWholeAndTheLedgerRecoversWhenSpaceReturns() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small"));
        try (Tmpfs disk = Tmpfs.mount(mount, "2m"); Ledger ledger = Ledger.open(mount.resolve("ledger.db"))) {
            Path filler = mount.resolve("filler");
            try (OutputStream out = Files.newOutputStream(filler)) {
                byte[] block = new byte[4096];
                for (long written = 0; ; written += block.length) {
                    try {
                        out.write(block);
                        out.flush();
                    } catch (IOException full) {
                        break;
                    }
                }
            }
            List<String> told = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            String path = "cam/" + "x".repeat(200) + "/";
            for (int i = 0; i < 300; i++) { // a few fit into the pages the file has, then the disk is full
                try {
                    ledger.intake().recordReceived(new ReceivedFile(path + i + ".jpg", 10, "ab".repeat(32), Instant.now(), "cam",
                            "10.0.0.5"), List.of("hq", "backup"));
                    told.add(path + i + ".jpg");
                } catch (LedgerException e) {
                    refused.add(path + i + ".jpg");
                }
            }
            assertThat(refused).as("the disk filled up").isNotEmpty();

            Files.delete(filler); // space returns

            ledger.intake().recordReceived(new ReceivedFile("cam/after.jpg", 10, "ab".repeat(32), Instant.now(), "cam",
                    "10.0.0.5"), List.of("hq"));
            for (String p : told) {
                assertThat(ledger.intake().currentVersion(p)).as("acknowledged " + p).isPresent();
            }
            for (String p : refused) {
                assertThat(ledger.intake().currentVersion(p)).as("refused " + p).isEmpty();
            }
            assertThat(ledger.intake().currentVersion("cam/after.jpg")).isPresent();
            assertThat(ledger.reports().received().files()).isEqualTo(told.size() + 1);
            assertThat(ledger.reports().backlog("hq").pending()).isEqualTo(told.size() + 1);
        }
    }
}
