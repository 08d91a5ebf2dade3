package io.edgesync.agent.telemetry;

import io.edgesync.agent.config.Secret;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** The log's defences against floods ({@link LogThrottle}) and leaks ({@link LogRedaction}), and reply topics. */
class LogSafetyTest {

    @Test
    void aFloodIsOneLinePerKeyAndIntervalAndTheNextLineCountsWhatWasLeftOut() throws Exception {
        Logger jul = Logger.getLogger("test.throttle." + System.nanoTime());
        List<String> lines = capture(jul);
        AtomicLong nanos = new AtomicLong(System.nanoTime());
        LogThrottle throttle = new LogThrottle(System.getLogger(jul.getName()), Duration.ofMillis(300), nanos::get);
        for (int i = 0; i < 1_000; i++) {
            throttle.log("10.0.0.1", System.Logger.Level.WARNING, () -> "refused");
            throttle.log("10.0.0.2", System.Logger.Level.WARNING, () -> "refused");
        }
        assertThat(lines).containsExactly("refused", "refused");
        nanos.addAndGet(Duration.ofMillis(350).toNanos());
        throttle.log("10.0.0.1", System.Logger.Level.WARNING, () -> "refused");
        assertThat(lines.getLast()).isEqualTo("refused (999 more like it in the last interval, not logged)");
        for (int i = 0; i < 5_000; i++) { // fresh keys past the table's size share one line
            throttle.log("key" + i, System.Logger.Level.WARNING, () -> "fresh");
        }
        assertThat(lines.stream().filter("fresh"::equals).count()).isLessThanOrEqualTo(LogThrottle.MAX_KEYS + 1);
    }

    @Test
    void secretsHeadersAndPassArgumentsAreMaskedWhateverLogsThem() {
        Secret.of("s3cret-token-value");
        assertThat(LogRedaction.redact("sent s3cret-token-value to x")).isEqualTo("sent **** to x");
        assertThat(LogRedaction.redact("Authorization: Bearer abc.def")).isEqualTo("Authorization: ****");
        assertThat(LogRedaction.redact("headers={authorization=[bearer xyz], host=[a]}"))
                .isEqualTo("headers={authorization=[****], host=[a]}");
        assertThat(LogRedaction.redact("RECEIVED: PASS hunter2")).isEqualTo("RECEIVED: PASS ****");
        assertThat(LogRedaction.redact("login failed: USER up / PASS **** -> 530 Login incorrect."))
                .isEqualTo("login failed: USER up / PASS **** -> 530 Login incorrect.");
        assertThat(LogRedaction.redact("[h:1] USER up / PASS ****: 530 Login incorrect.")).endsWith("PASS ****: 530 Login incorrect.");
        assertThat(LogRedaction.redact("ledger schema migrated to version 5")).isEqualTo("ledger schema migrated to version 5");
        assertThat(LogRedaction.redact("receive_loop() - result HeapBuffer[pos=0 lim=20: 50 41 53 53 20 74 6C 73 2D]"))
                .doesNotContain("74 6C 73").contains("50 41 53 53 20 ****");
        Secret.of("cam1");
        assertThat(LogRedaction.redact("ftp://up:cam1@host cam10 xcam1")).isEqualTo("ftp://up:****@host cam10 xcam1");
        Secret published = Secret.of("upstream");
        Secret.notSecret(published);
        assertThat(LogRedaction.redact("arrived upstream")).isEqualTo("arrived upstream");
    }

    @Test
    void aReplyTopicIsACommandTopicOfAnyAgentOrGroup() {
        Topics topics = new Topics("site/edgesync", "a1");
        assertThat(topics.isCommandTopic("site/edgesync/a1/cmd/ping")).isTrue();
        assertThat(topics.isCommandTopic("site/edgesync/other/cmd/status")).isTrue();
        assertThat(topics.isCommandTopic("site/edgesync/all/cmd/ping")).isTrue();
        assertThat(topics.isCommandTopic("site/edgesync/group/g/cmd/ping")).isTrue();
        assertThat(topics.isCommandTopic("site/edgesync/a1/reply/ping")).isFalse();
        assertThat(topics.isCommandTopic("ops/replies/1")).isFalse();
        assertThat(topics.isCommandTopic("other/edgesync/a1/cmd/ping")).isFalse();
    }

    private static List<String> capture(Logger jul) {
        List<String> lines = new ArrayList<>();
        jul.setUseParentHandlers(false);
        jul.setLevel(Level.ALL);
        jul.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        return lines;
    }
}
