package io.edgesync.agent.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Glob} matches as the JDK's glob matcher does, in linear time, and names what is wrong with a bad glob. */
class GlobTest {
    private static final List<String> GLOBS = List.of("**", "*", "cams/**", "cams/*", "cams/*/2026-*.jpg", "**/*.jpg",
            "cams/gate/?.bin", "cams/[a-c]*/**", "cams/[!a-c]*/**", "**.{jpg,png}", "cams/{gate,door}/*", "a\\*b",
            "cams/**/x?y", "*.tmp", ".*", "[-a]*", "cams/g[a-z]te/*");
    private static final List<String> PATHS = List.of("a.jpg", "cams/gate/a.jpg", "cams/gate/2026-11-01.jpg",
            "cams/door/b.png", "cams/gate/x.bin", "cams/b/deep/x1y", "cams/z/q", "a*b", "ab", "x.tmp", ".hidden",
            "-x", "cams/gate/sub/c.jpg", "cams/gxte/a", "cams/gAte/a", "cams/a/b");

    @Test
    void matchesWhatTheJdkMatches() {
        for (String glob : GLOBS) {
            PathMatcher jdk = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            Glob mine = Glob.of(glob);
            for (String path : PATHS) {
                assertThat(mine.matches(path)).as("%s against %s", glob, path).isEqualTo(jdk.matches(Path.of(path)));
            }
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aGlobThatBacktracksForEverInTheJdkIsMatchedAtOnce() {
        // the JDK's regex for this takes longer than the age of the universe against the name
        Glob glob = Glob.of("**" + "*a".repeat(30) + "*b");
        String name = "cams/" + "a".repeat(5_000) + ".bin";
        for (int i = 0; i < 100; i++) {
            assertThat(glob.matches(name)).isFalse();
        }
        assertThat(glob.matches("cams/" + "a".repeat(40) + "b")).isTrue();
    }

    @Test
    void aBadGlobIsRefusedWithWhatIsWrong() {
        assertThatThrownBy(() -> Glob.of("cams/{a,{b}}")).hasMessageContaining("nested");
        assertThatThrownBy(() -> Glob.of("cams/[a-")).hasMessageContaining("never closed");
        assertThatThrownBy(() -> Glob.of("cams/[a/b]")).hasMessageContaining("'/'");
        assertThatThrownBy(() -> Glob.of("x".repeat(Glob.MAX_LENGTH + 1))).hasMessageContaining("1-1024");
        assertThatThrownBy(() -> Glob.of("a\\")).hasMessageContaining("quotes nothing");
    }
}
