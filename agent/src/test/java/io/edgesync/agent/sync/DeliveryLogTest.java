package io.edgesync.agent.sync;

import io.edgesync.agent.sync.ftp.Uploader;
import static org.assertj.core.api.Assertions.assertThat;

import java.text.MessageFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeliveryLogTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Outcome.Delivered OK = new Outcome.Delivered(Duration.ofMillis(3),
            new Uploader.Published("size", 0));

    private final String name = "test.deliveries." + System.nanoTime();
    private final Logger jul = Logger.getLogger(name); // held: JUL keeps loggers weakly
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private DeliveryLog deliveries;

    @BeforeEach
    void capture() {
        jul.setLevel(Level.ALL);
        jul.setUseParentHandlers(false);
        capture.setLevel(Level.ALL);
        jul.addHandler(capture);
        deliveries = new DeliveryLog(System.getLogger(name), "hq");
    }

    @AfterEach
    void release() {
        jul.removeHandler(capture);
    }

    @Test
    void aBacklogLogsTheFirstTenOfAMinuteAtInfoAndSumsUpTheRestWhenDrained() {
        for (int i = 0; i < 25; i++) {
            deliveries.delivered("cam/f" + i + ".jpg", 4096, 1, OK, T0.plusMillis(i));
        }
        assertThat(lines(Level.INFO)).hasSize(DeliveryLog.ONE_BY_ONE)
                .allMatch(line -> line.startsWith("delivered cam/f") && line.contains(" to hq (4,096 bytes"));
        assertThat(lines(Level.FINE)).hasSize(15).first().asString().startsWith("delivered cam/f10.jpg to hq");

        deliveries.drained();
        deliveries.drained(); // nothing left to sum up
        List<String> info = lines(Level.INFO);
        assertThat(info).hasSize(DeliveryLog.ONE_BY_ONE + 1);
        assertThat(info.getLast()).startsWith("hq: 15 more files delivered (61,440 bytes) from " + T0.plusMillis(10)
                + " to " + T0.plusMillis(24)).endsWith("logged one by one at DEBUG");
    }

    @Test
    void aNewMinuteSumsUpTheLastOneAndLogsItsFirstTenAtInfoAgain() {
        for (int i = 0; i < 12; i++) {
            deliveries.delivered("cam/a" + i + ".jpg", 100, 1, OK, T0.plusSeconds(i));
        }
        deliveries.delivered("cam/b.jpg", 100, 2, OK, T0.plus(DeliveryLog.WINDOW));
        List<String> info = lines(Level.INFO);
        assertThat(info).hasSize(DeliveryLog.ONE_BY_ONE + 2);
        assertThat(info.get(DeliveryLog.ONE_BY_ONE)).startsWith("hq: 2 more files delivered (200 bytes)");
        assertThat(info.getLast()).startsWith("delivered cam/b.jpg to hq (100 bytes, attempt 2, 3 ms, verified by size)");
    }

    @Test
    void aTrickleIsLoggedFileByFileAtInfo() {
        for (int i = 0; i < 30; i++) { // one file every 10 s: at most 6 a minute
            deliveries.delivered("cam/t" + i + ".jpg", 1, 1, OK, T0.plusSeconds(10L * i));
            deliveries.drained();
        }
        assertThat(lines(Level.INFO)).hasSize(30).allMatch(line -> line.startsWith("delivered cam/t"));
        assertThat(lines(Level.FINE)).isEmpty();
    }

    private List<String> lines(Level level) {
        return records.stream().filter(r -> r.getLevel() == level)
                .map(r -> MessageFormat.format(r.getMessage(), r.getParameters())).toList();
    }
}
