package io.edgesync.agent.spool;

import io.edgesync.agent.config.BandwidthSchedule;
import io.edgesync.agent.config.BudgetSettings;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.config.UpstreamSettings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RoutingTest {
    private static UpstreamSettings upstream(String name, List<String> include, List<String> exclude) {
        Duration t = Duration.ofSeconds(5);
        return new UpstreamSettings(name, URI.create("ftp://127.0.0.1/in"), "u", Secret.of("p"), 1, t, t, t, include,
                Optional.empty(), false, BandwidthSchedule.OFF, BudgetSettings.NONE, List.of(), exclude);
    }

    @Test
    void anExcludedPathIsNotTakenWhateverIncludeSays() {
        Routing routing = new Routing(List.of(
                upstream("all", List.of("**"), List.of("**/*.tmp", "cams/test/**")),
                upstream("photos", List.of("**/*.jpg"), List.of("cams/gate/**")),
                upstream("plain", List.of("**"), List.of())));
        assertThat(routing.upstreamsFor("cams/yard/a.jpg")).containsExactly("all", "photos", "plain");
        assertThat(routing.upstreamsFor("cams/gate/a.jpg")).containsExactly("all", "plain");
        assertThat(routing.upstreamsFor("cams/yard/a.tmp")).containsExactly("plain");
        assertThat(routing.upstreamsFor("cams/test/b.jpg")).containsExactly("photos", "plain");
        assertThat(routing.takes("photos", "cams/gate/a.jpg")).isFalse();
        assertThat(routing.takes("all", "cams/yard/a.csv")).isTrue();
    }
}
