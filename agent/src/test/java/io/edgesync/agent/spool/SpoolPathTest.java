package io.edgesync.agent.spool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpoolPathTest {
    private final Path spool = Path.of("/data/spool");

    @Test
    void mapsTheVirtualPathUnderTheUsersHome() {
        SpoolPath p = SpoolPath.resolve(spool, "cameras/gate", "/2026/11/a b.jpg");
        assertThat(p.relative()).isEqualTo("cameras/gate/2026/11/a b.jpg");
        assertThat(p.file()).isEqualTo(Path.of("/data/spool/cameras/gate/2026/11/a b.jpg"));
    }

    @Test
    void collapsesEmptyAndDotSegments() {
        assertThat(SpoolPath.resolve(spool, "cam", "//./x//y.txt").relative()).isEqualTo("cam/x/y.txt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../other/x", "/a/../../x", "..", "/a\\b", "/nul\u0000byte", "/", ""})
    void refusesPathsThatLeaveOrNameTheHome(String virtual) {
        assertThatThrownBy(() -> SpoolPath.resolve(spool, "cam", virtual)).isInstanceOf(IllegalArgumentException.class);
    }
}
