package io.edgesync.it;

import io.edgesync.testing.PeerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The systemd unit's JIT directives ({@code src/dist/jvm/jit-directives.json}, installed under
 * {@code /usr/share/edgesync/jvm}) as the running agent has them: after uploads, the JDK's SHA-256 is compiled by C2
 * and nothing else is. Every IT runs the agent with the unit's flags; this one looks at what they did.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JitDirectivesIT {
    private static final Path JCMD = Path.of(AgentProcess.JAVA).resolveSibling("jcmd");

    @TempDir
    Path dir;

    @Test
    void onlyTheJdksHashingAndCiphersAreCompiledByC2() throws Exception {
        assertThat(AgentProcess.unitJvmFlags()).as("the unit's flags")
                .anySatisfy(f -> assertThat(f).startsWith("-XX:CompilerDirectivesFile=")
                        .endsWith("jit-directives.json"));
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        // an upstream nobody listens on: this test looks at the ingest side's hashing only
        String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http,
                AgentProcess.upstream("hq", PeerProcess.freePort(), "up", "up-pw"), "");
        try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
            // 32 MiB through the agent's hash: SHA-256's compression is hot enough for C2 many times over
            byte[] body = Devices.randomBytes(4 << 20, 7);
            for (int i = 0; i < 8; i++) {
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "jit", "f" + i + ".bin", body)).isEqualTo(226);
            }
            assertThat(jcmd(agent, "Compiler.directives_print"))
                    .contains("matching: com/sun/crypto/provider/*.*, sun/security/provider/*.*");
            // Compiler.codelist: "<compile id> <tier> <state> <method>(<signature>) [...]", tier 4 is C2; C2
            // compiles in the background, so its work is looked for until it shows
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                List<String> c2 = jcmd(agent, "Compiler.codelist").lines()
                        .filter(line -> line.matches("\\d+ 4 .*")).map(line -> line.split(" ")[3]).toList();
                assertThat(c2).as("methods compiled by C2")
                        .anyMatch(m -> m.startsWith("sun.security.provider.SHA2."))
                        .allMatch(m -> m.startsWith("sun.security.provider.") || m.startsWith("com.sun.crypto.provider."));
            });
        }
    }

    private static String jcmd(AgentProcess agent, String command) throws Exception {
        Process jcmd = new ProcessBuilder(JCMD.toString(), Long.toString(agent.pid()), command)
                .redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes());
        assertThat(jcmd.waitFor(30, TimeUnit.SECONDS)).as("jcmd " + command + " ends").isTrue();
        assertThat(jcmd.exitValue()).as("jcmd " + command + ":\n" + out).isZero();
        return out;
    }
}
