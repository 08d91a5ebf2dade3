package io.edgesync.agent.ingest;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.edgesync.agent.spool.SpoolPath;

import java.nio.file.Path;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what we parse from devices' command lines ourselves: permission lookup, path mapping into the
 * spool, PORT/EPRT arguments. In a normal test run this replays the stored inputs once; CI also fuzzes it
 * for a while ({@code JAZZER_FUZZ=1}, see .ci/run). Invariants: nothing but the documented exception is
 * thrown, and no mapped path leaves the user's home.
 */
class CommandInputFuzzTest {
    private static final Path SPOOL = Path.of("/data/spool");

    @FuzzTest(maxDuration = "30s")
    void deviceInputNeverEscapesOrCrashes(FuzzedDataProvider in) {
        String command = in.consumeString(12);
        String argument = in.consumeRemainingAsString();

        Permissions.required(command, argument); // total: any command and argument get an answer

        try {
            SpoolPath p = SpoolPath.resolve(SPOOL, "cams/cam", argument);
            assertThat(p.file()).startsWithRaw(SPOOL.resolve("cams/cam"));
            assertThat(p.file()).isNotEqualTo(SPOOL.resolve("cams/cam"));
            assertThat(p.relative()).startsWith("cams/cam/").doesNotContain("\\", "\0", "//");
            assertThat(p.relative().split("/")).doesNotContain("..", ".", ""); // "a..b.jpg" is a fine name
        } catch (IllegalArgumentException refused) {
            // refused paths are the expected outcome for hostile input
        }

        // a port is read only from a well-formed argument (FtpServer's PORT/EPRT check the rest)
        OptionalInt port = ActivePortGuard.portPort(argument);
        if (port.isPresent()) {
            assertThat(argument.trim().split(",")).hasSize(6);
        }
        OptionalInt extended = ActivePortGuard.eprtPort(argument);
        if (extended.isPresent()) {
            String a = argument.trim();
            assertThat(a.substring(1).split(java.util.regex.Pattern.quote(a.substring(0, 1)), -1).length)
                    .isGreaterThanOrEqualTo(3);
        }
    }
}
