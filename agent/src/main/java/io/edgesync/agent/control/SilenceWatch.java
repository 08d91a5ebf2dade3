package io.edgesync.agent.control;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The silence alarm ({@code ftp.users[].expect-every}): a device that has not uploaded for that long
 * raises one {@link AgentEvent.DeviceSilent} event and shows in the status and health as silent until its
 * next upload. A device never heard from is counted from the agent's start. Checked every
 * {@value #CHECK_SECONDS} s (sooner for short intervals). Thread-safe.
 */
public final class SilenceWatch implements EventSink, AutoCloseable {
    static final long CHECK_SECONDS = 15;
    private static final System.Logger LOG = System.getLogger(SilenceWatch.class.getName());

    private final Ledger ledger;
    private final EventSink events;
    private final Clock clock;
    private boolean historyRead; // only the timer thread reads it
    private final Instant startedAt;
    private final long startedNanos = System.nanoTime();
    /** Last upload per user, as recorded (wall clock: shown, and read from the ledger's history). */
    private final Map<String, Instant> lastUpload = new ConcurrentHashMap<>();
    /** Last upload per user seen by this run, on the monotonic clock: silence is measured from it. */
    private final Map<String, Long> lastSeenNanos = new ConcurrentHashMap<>();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private volatile List<FtpSettings.User> watched;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("silence-watch").factory());

    /** A device that is silent now. */
    public record Silent(String user, String home, Instant lastUploadAt, long expectEverySeconds) {
    }

    public SilenceWatch(List<FtpSettings.User> users, Ledger ledger, EventSink events, Clock clock) {
        this.ledger = ledger;
        this.events = events;
        this.clock = clock;
        this.startedAt = clock.instant();
        replaceUsers(users);
    }

    public void start() {
        long every = watched.stream().map(FtpSettings.User::expectEvery).filter(d -> !d.isZero())
                .map(d -> Math.max(1, Math.min(CHECK_SECONDS, d.toSeconds() / 4))).min(Long::compare)
                .orElse(CHECK_SECONDS);
        timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.SECONDS);
    }

    /** {@code reload-config}: new alarms apply at the next check. */
    public void replaceUsers(List<FtpSettings.User> users) {
        watched = List.copyOf(users);
        silent.removeIf(u -> users.stream().noneMatch(x -> x.name().equals(u) && !x.expectEvery().isZero()));
    }

    @Override
    public void publish(AgentEvent event) {
        if (event instanceof AgentEvent.FileReceived received) {
            lastUpload.put(received.user(), received.at());
            lastSeenNanos.put(received.user(), System.nanoTime());
            if (silent.remove(received.user())) {
                LOG.log(System.Logger.Level.INFO, "device {0} uploads again", received.user());
            }
        }
    }

    void check() {
        try {
            if (!historyRead && watched.stream().anyMatch(u -> !u.expectEvery().isZero())) {
                // the ledger's last upload per user, read once and only when an alarm is configured (it scans
                // the files table): not at start, and not on boards without alarms
                ledger.reports().lastUploads().forEach(lastUpload::putIfAbsent);
                historyRead = true;
            }
            Instant now = clock.instant();
            for (FtpSettings.User user : watched) {
                if (user.expectEvery().isZero() || silent.contains(user.name())) {
                    continue;
                }
                Instant last = lastUpload.get(user.name());
                if (silence(user.name(), last).compareTo(user.expectEvery()) > 0 && silent.add(user.name())) {
                    LOG.log(System.Logger.Level.WARNING, "device {0} has not uploaded since {1} (expect-every {2})",
                            user.name(), last == null ? "the agent started" : last, user.expectEvery());
                    events.publish(new AgentEvent.DeviceSilent(user.home(), user.name(), last, user.expectEvery(), now));
                }
            }
        } catch (LedgerException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "silence check failed", e);
        }
    }

    /**
     * How long the user has not uploaded: from its last upload in this run on the monotonic clock, so that a
     * wall clock stepped by NTP raises no alarm and hides none; before any, the run's time plus what the
     * ledger's history adds before the start.
     */
    private Duration silence(String user, Instant lastRecorded) {
        long now = System.nanoTime();
        Long seen = lastSeenNanos.get(user);
        if (seen != null) {
            return Duration.ofNanos(now - seen);
        }
        Duration before = lastRecorded == null || lastRecorded.isAfter(startedAt) ? Duration.ZERO
                : Duration.between(lastRecorded, startedAt);
        return Duration.ofNanos(now - startedNanos).plus(before);
    }

    /** The devices silent now, by name. */
    public List<Silent> silent() {
        return watched.stream().filter(u -> silent.contains(u.name()))
                .map(u -> new Silent(u.name(), u.home(), lastUpload.get(u.name()), u.expectEvery().toSeconds()))
                .sorted(Comparator.comparing(Silent::user)).toList();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
