package io.edgesync.agent.config;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Upstream path templates ({@code upstreams[].path}). */
class PathTemplateTest {
    private static final Instant LATE = Instant.parse("2026-12-03T23:59:59.900Z");

    @Test
    void expandsEveryPlaceholderAndCollapsesEmptyFolders() {
        PathTemplate t = PathTemplate.parse("path", "{agent}/{user}/{received:yyyy/MM/dd}/{path}");
        assertThat(t.expand("gate/a.jpg", "cam1", "gw-7", LATE, ZoneOffset.UTC)).isEqualTo("gw-7/cam1/2026/12/03/gate/a.jpg");
        assertThat(t.expand("gate/a.jpg", "cam1", "gw-7", LATE, ZoneId.of("Europe/Berlin")))
                .as("the day in sync.time-zone").isEqualTo("gw-7/cam1/2026/12/04/gate/a.jpg");
        PathTemplate flat = PathTemplate.parse("path", "by-day/{received:yyyy-MM-dd}/{dir}/{name}");
        assertThat(flat.expand("a.jpg", "u", "g", LATE, ZoneOffset.UTC)).isEqualTo("by-day/2026-12-03/a.jpg");
        assertThat(PathTemplate.SPOOL_PATH.isSpoolPath()).isTrue();
        assertThat(t.isSpoolPath()).isFalse();
    }

    @Test
    void aUserOrAgentNameCannotClimbOutOfTheFolder() {
        PathTemplate t = PathTemplate.parse("path", "{user}/{name}");
        assertThat(t.expand("a.jpg", "..", "g", LATE, ZoneOffset.UTC)).isEqualTo("__/a.jpg");
    }

    @Test
    void refusesWhatCannotWorkNamingTheKeyAndTheFix() {
        assertThatThrownBy(() -> PathTemplate.parse("upstreams.0.path", "{agent}/{when}/{path}"))
                .hasMessageContaining("upstreams.0.path").hasMessageContaining("unknown placeholder {when}");
        assertThatThrownBy(() -> PathTemplate.parse("path", "{received:yyyy/qqqqqq}/{path}"))
                .hasMessageContaining("not a date pattern");
        assertThatThrownBy(() -> PathTemplate.parse("path", "{received}/{path}")).hasMessageContaining("needs a date pattern");
        assertThatThrownBy(() -> PathTemplate.parse("path", "{path}/{agent}")).hasMessageContaining("must end with");
        assertThatThrownBy(() -> PathTemplate.parse("path", "../{path}")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> PathTemplate.parse("path", "{user:x}/{path}")).hasMessageContaining("takes no pattern");
        assertThatThrownBy(() -> PathTemplate.parse("path", "")).hasMessageContaining("allowed:");
    }
}
