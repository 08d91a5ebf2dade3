package io.edgesync.agent.config;

import io.edgesync.agent.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code sync.delivery-rules}, {@code upstreams[].path}, {@code chmod}, {@code file-times}, {@code agent.spool-dir}, as read from YAML. */
class RoutingConfigTest {
    @TempDir
    Path dir;

    private AgentConfig load(String upstreamMore, String rules) {
        return TestConfigs.load(dir, """
                agent: {id: t, data-dir: "%s"}
                upstreams:
                  - {name: a, url: "ftp://127.0.0.1/in", user: u%s}
                  - {name: b, url: "ftp://127.0.0.1/in", user: u}
                  - {name: c, url: "ftp://127.0.0.1/in", user: u}
                sync:
                  delivery-rules: %s
                """.formatted(dir.resolve("data"), upstreamMore, rules));
    }

    @Test
    void readsRulesTemplatesAndModes() {
        AgentConfig config = load(", path: \"{agent}/{received:yyyy/MM/dd}/{path}\", chmod: \"0640\", file-times: off",
                "[{name: hq, rule: any-of, upstreams: [a, b]}]");
        assertThat(config.rules()).hasSize(1);
        DeliveryRule hq = config.rules().getFirst();
        assertThat(hq.describe()).isEqualTo("any-of");
        assertThat(hq.failoverAfter()).isEqualTo(Duration.ofMinutes(2));
        assertThat(hq.failbackAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(hq.catchUp()).isFalse();
        assertThat(config.upstreams().getFirst().path().toString()).isEqualTo("{agent}/{received:yyyy/MM/dd}/{path}");
        assertThat(config.upstreams().getFirst().chmod()).hasValue("640");
        assertThat(config.upstreams().getFirst().fileTimes()).isEqualTo(UpstreamSettings.FileTimes.OFF);
        assertThat(config.upstreams().get(1).fileTimes()).isEqualTo(UpstreamSettings.FileTimes.MFMT);
        assertThat(load(", file-times: any", "[]").upstreams().getFirst().fileTimes())
                .isEqualTo(UpstreamSettings.FileTimes.ANY);
        assertThat(load(", file-times: false", "[]").upstreams().getFirst().fileTimes())
                .as("YAML's false, unquoted").isEqualTo(UpstreamSettings.FileTimes.OFF);
        assertThat(config.upstreams().get(1).path().isSpoolPath()).isTrue();
        DeliveryRule labs = load("", "[{name: labs, rule: k-of, k: 1, upstreams: [c, b], failover-after: 30s,"
                + " failback-after: 0s, catch-up: true}]").rules().getFirst();
        assertThat(labs.describe()).isEqualTo("1-of-2");
        assertThat(labs.upstreams()).containsExactly("c", "b");
        assertThat(labs.failoverAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(labs.failbackAfter()).isZero();
        assertThat(labs.catchUp()).isTrue();
    }

    @Test
    void namesEachMistakeWithItsKey() {
        assertThatThrownBy(() -> load("", "[{name: hq, rule: any-of, upstreams: [a, x]}]"))
                .hasMessageContaining("sync.delivery-rules.0.upstreams.1").hasMessageContaining("no upstream has this name");
        assertThatThrownBy(() -> load("", "[{name: r1, rule: any-of, upstreams: [a, b]}, {name: r2, rule: any-of,"
                + " upstreams: [b, c]}]")).hasMessageContaining("it is in rule 'r1' already");
        assertThatThrownBy(() -> load("", "[{name: hq, rule: k-of, k: 3, upstreams: [a, b, c]}]"))
                .hasMessageContaining("k").hasMessageContaining("allowed: 1 to 2");
        assertThatThrownBy(() -> load("", "[{name: hq, rule: first, upstreams: [a, b]}]"))
                .hasMessageContaining("rule").hasMessageContaining("any-of");
        assertThatThrownBy(() -> load("", "[{name: hq, rule: any-of, upstreams: [a]}]"))
                .hasMessageContaining("two or more upstreams");
        assertThatThrownBy(() -> load(", chmod: 0640", "[]")).as("unquoted: YAML's octal 416")
                .hasMessageContaining("chmod").hasMessageContaining("'416'").hasMessageContaining("in quotes");
        assertThatThrownBy(() -> load(", chmod: 640", "[]")).hasMessageContaining("leading 0");
        assertThatThrownBy(() -> load(", chmod: \"rw-r-----\"", "[]")).hasMessageContaining("chmod")
                .hasMessageContaining("octal");
        assertThatThrownBy(() -> load(", file-times: sometimes", "[]")).hasMessageContaining("file-times")
                .hasMessageContaining("allowed: mfmt");
        assertThatThrownBy(() -> load(", path: \"{agent}\"", "[]")).hasMessageContaining("upstreams.0.path")
                .hasMessageContaining("must end with");
    }

    @Test
    void theSpoolMayLiveOnADiskOfItsOwn() {
        AgentConfig config = TestConfigs.load(dir, """
                agent: {id: t, data-dir: "%s", spool-dir: "%s"}
                """.formatted(dir.resolve("data"), dir.resolve("usb")));
        assertThat(config.agent().spoolDir()).isEqualTo(dir.resolve("usb/spool"));
        assertThat(config.agent().incomingDir()).isEqualTo(dir.resolve("usb/incoming"));
        assertThat(config.agent().ledgerFile()).isEqualTo(dir.resolve("data/ledger.db"));
    }
}
