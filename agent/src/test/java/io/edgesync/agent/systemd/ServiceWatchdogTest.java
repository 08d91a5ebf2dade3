package io.edgesync.agent.systemd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the agent tells the service manager: READY first, pings only while every part answers, the reason
 * in the status line while one does not, and no ping at all while one hangs. The protocol itself (libsystemd's
 * sd_notify) is met for real in integration-tests NotifyIT and SystemdIT.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceWatchdogTest {
    private final List<String> sent = new CopyOnWriteArrayList<>();

    private ServiceManager manager(Optional<Duration> watchdog) {
        return new ServiceManager(Optional.of(state -> {
            sent.add(state);
            return 1;
        }), watchdog);
    }

    private long pings() {
        return sent.stream().filter(s -> s.equals("WATCHDOG=1")).count();
    }

    @Test
    void readyComesFirstThenPingsWhileEveryPartAnswersAndStoppingLast() {
        try (ServiceWatchdog watchdog = new ServiceWatchdog(manager(Optional.of(Duration.ofMillis(300))),
                List.of(new ServiceWatchdog.Part("ftp", Optional::empty)), () -> "backlog 0 files, 1/1 upstreams up")) {
            watchdog.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> pings() >= 3);
            assertThat(sent.getFirst()).isEqualTo("READY=1\nSTATUS=backlog 0 files, 1/1 upstreams up");
            assertThat(sent).contains("STATUS=backlog 0 files, 1/1 upstreams up");
        }
        assertThat(sent.getLast()).isEqualTo("STOPPING=1\nSTATUS=stopping");
    }

    @Test
    void aPartWithAProblemStopsThePingsAndSaysWhyUntilItAnswersAgain() {
        AtomicReference<Optional<String>> ledger = new AtomicReference<>(Optional.empty());
        try (ServiceWatchdog watchdog = new ServiceWatchdog(manager(Optional.of(Duration.ofMillis(300))),
                List.of(new ServiceWatchdog.Part("ftp", Optional::empty), new ServiceWatchdog.Part("ledger", ledger::get)),
                () -> "fine")) {
            watchdog.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> pings() >= 1);
            ledger.set(Optional.of("disk I/O error"));
            await().atMost(Duration.ofSeconds(5)).until(() -> sent.contains("STATUS=not alive: ledger: disk I/O error"));
            long pingsWhileBroken = pings();
            await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> pings() == pingsWhileBroken);
            ledger.set(Optional.empty());
            await().atMost(Duration.ofSeconds(5)).until(() -> pings() > pingsWhileBroken);
        }
    }

    @Test
    void aPartThatHangsHoldsEveryPing() throws Exception {
        CountDownLatch hang = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Boolean> hanging = new AtomicReference<>(false);
        try (ServiceWatchdog watchdog = new ServiceWatchdog(manager(Optional.of(Duration.ofMillis(300))),
                List.of(new ServiceWatchdog.Part("sync", () -> {
                    if (hanging.get()) {
                        hang.countDown();
                        release.await();
                    }
                    return Optional.empty();
                })), () -> "fine")) {
            watchdog.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> pings() >= 1);
            hanging.set(true);
            assertThat(hang.await(5, TimeUnit.SECONDS)).isTrue();
            long before = pings();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> pings() == before);
            hanging.set(false);
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> pings() > before);
        }
    }

    @Test
    void withoutAServiceManagerNothingRuns() {
        ServiceManager none = ServiceManager.fromEnvironment(Map.of(), 1);
        assertThat(none.present()).isFalse();
        try (ServiceWatchdog watchdog = new ServiceWatchdog(none, List.of(), () -> {
            throw new AssertionError("no status without a service manager");
        })) {
            watchdog.start();
        }
    }

    @Test
    void theWatchdogIntervalIsOnlyForThisProcess() {
        assertThat(ServiceManager.watchdogInterval(Map.of("WATCHDOG_USEC", "60000000"), 7)).contains(Duration.ofSeconds(60));
        assertThat(ServiceManager.watchdogInterval(Map.of("WATCHDOG_USEC", "60000000", "WATCHDOG_PID", "7"), 7))
                .contains(Duration.ofSeconds(60));
        assertThat(ServiceManager.watchdogInterval(Map.of("WATCHDOG_USEC", "60000000", "WATCHDOG_PID", "8"), 7)).isEmpty();
        assertThat(ServiceManager.watchdogInterval(Map.of("WATCHDOG_USEC", "soon"), 7)).isEmpty();
        assertThat(ServiceManager.watchdogInterval(Map.of(), 7)).isEmpty();
    }

    @Test
    void theStatusLineSaysAgesAsPeopleDo() {
        assertThat(StatusLine.age(Duration.ofSeconds(42))).isEqualTo("42 s");
        assertThat(StatusLine.age(Duration.ofMinutes(5))).isEqualTo("5 min");
        assertThat(StatusLine.age(Duration.ofHours(5))).isEqualTo("5 h");
        assertThat(StatusLine.age(Duration.ofDays(3))).isEqualTo("3 days");
    }
}
