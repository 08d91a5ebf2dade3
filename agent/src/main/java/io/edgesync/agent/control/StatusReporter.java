package io.edgesync.agent.control;

import io.edgesync.agent.ingest.IngestServer;
import io.edgesync.agent.ledger.Backlog;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.ledger.Transfer;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.sync.SyncService;
import io.edgesync.agent.sync.UpstreamStatus;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/** Builds {@link AgentStatus} snapshots from the live parts. Thread-safe; each call reads the ledger once per upstream. */
public final class StatusReporter {
    private static final int HISTORY = 20;

    private final String agentId;
    private final Instant startedAt;
    private final long startedNanos = System.nanoTime();
    private final IngestServer ingest;
    private final SyncService sync;
    private final Ledger ledger;
    private final DiskSpace disk;
    private final boolean mqttEnabled;
    private final BooleanSupplier mqttConnected;
    private final Optional<SilenceWatch> silence;
    private final Clock clock;
    private volatile io.edgesync.agent.telemetry.Throughput throughput;
    private volatile List<io.edgesync.agent.config.FtpSettings.User> users = List.of();

    /** The page's plot of the last hour, and its device list ({@code ftp.users}). */
    public void show(io.edgesync.agent.telemetry.Throughput throughput, List<io.edgesync.agent.config.FtpSettings.User> users) {
        this.throughput = throughput;
        this.users = List.copyOf(users);
    }

    public StatusReporter(String agentId, IngestServer ingest, SyncService sync, Ledger ledger, DiskSpace disk,
                          boolean mqttEnabled, BooleanSupplier mqttConnected, Optional<SilenceWatch> silence,
                          Clock clock) {
        this.silence = silence;
        this.agentId = agentId;
        this.startedAt = clock.instant();
        this.ingest = ingest;
        this.sync = sync;
        this.ledger = ledger;
        this.disk = disk;
        this.mqttEnabled = mqttEnabled;
        this.mqttConnected = mqttConnected;
        this.clock = clock;
    }

    /** The agent's version, from the build (read once). */
    public static String version() {
        return VERSION;
    }

    private static final String VERSION = readVersion();

    private static String readVersion() {
        try (InputStream in = StatusReporter.class.getResourceAsStream("/io/edgesync/agent/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    public AgentStatus snapshot() throws LedgerException {
        Instant now = clock.instant();
        Ledger.Totals received = ledger.reports().received();
        List<AgentStatus.Upstream> upstreams = new ArrayList<>();
        for (UpstreamStatus u : sync.status()) {
            Backlog b = ledger.reports().backlog(u.name());
            upstreams.add(new AgentStatus.Upstream(u.name(), u.url(), u.state(), u.paused(), b.pending(), b.parked(),
                    b.delivered(), b.oldestPending().map(t -> Math.max(0, Duration.between(t, now).toSeconds())).orElse(null),
                    u.inFlight(), u.consecutiveFailures(), text(u.lastSuccess()), text(u.lastFailure()),
                    u.lastError().orElse(null), text(u.retryAt()), u.transfers().stream()
                    .map(t -> new AgentStatus.Transfer(t.deliveryId(), t.path(), t.bytesDone(), t.bytesTotal(),
                            t.bytesPerSecond(), t.startedAt().toString())).toList(), u.bandwidth(), u.budget(),
                    u.files()));
        }
        List<AgentStatus.RecentTransfer> history = new ArrayList<>();
        for (Transfer t : ledger.reports().recentTransfers(HISTORY)) {
            history.add(new AgentStatus.RecentTransfer(t.path(), t.upstream(), t.size(), t.state().label(), t.attempts(),
                    t.at().toString(), t.took().map(Duration::toMillis).orElse(null), t.lastError().orElse(null)));
        }
        return new AgentStatus(agentId, version(), true, startedAt.toString(),
                Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds(), // monotonic: never negative
                new AgentStatus.Ingest(ingest.running(), ingest.port(), received.files(), received.bytes()),
                upstreams, new AgentStatus.Mqtt(mqttEnabled, mqttEnabled && mqttConnected.getAsBoolean()),
                disk(), silence.map(SilenceWatch::silent).orElse(List.of()), history, new AgentStatus.Uplink(
                        sync.agentBandwidth(), sync.settings().priorities().stream()
                        .map(p -> new AgentStatus.Priority(p.glob(), p.priority())).toList(),
                        sync.settings().starveAfter().toSeconds()),
                sync.rules().stream().map(r -> new AgentStatus.Rule(r.name(), r.rule(), r.upstreams(), r.serving(),
                        r.failedOver(), r.failoverAfter().toSeconds(), r.failbackAfter().toSeconds(), r.catchUp()))
                        .toList(), throughput == null ? List.of() : throughput.lastHour(now), devices());
    }

    private List<AgentStatus.Device> devices() throws LedgerException {
        java.util.Map<String, Instant> last = ledger.reports().lastUploads();
        java.util.Set<String> silentNow = new java.util.HashSet<>();
        silence.ifPresent(s -> s.silent().forEach(x -> silentNow.add(x.user())));
        return users.stream().map(u -> new AgentStatus.Device(u.name(), u.home(),
                Optional.ofNullable(last.get(u.name())).map(Instant::toString).orElse(null), u.expectEvery().toSeconds(),
                silentNow.contains(u.name()))).sorted(java.util.Comparator.comparing(AgentStatus.Device::user)).toList();
    }

    /** The spool's count walks every file's versions: read at most every 10 s (a page polls every 2 s). */
    private static final long SPOOL_EVERY = java.time.Duration.ofSeconds(10).toNanos();
    private volatile Ledger.Totals spoolTotals;
    private volatile long spoolReadAt;

    private Ledger.Totals spool() throws LedgerException {
        Ledger.Totals cached = spoolTotals;
        if (cached == null || System.nanoTime() - spoolReadAt > SPOOL_EVERY) {
            cached = ledger.reports().inSpool();
            spoolTotals = cached;
            spoolReadAt = System.nanoTime();
        }
        return cached;
    }

    private AgentStatus.Disk disk() throws LedgerException {
        Ledger.Totals spool = spool();
        try {
            DiskSpace.Reading r = disk.read();
            return new AgentStatus.Disk(r.path().toString(), r.freeBytes(), r.totalBytes(), r.floorBytes(), r.belowFloor(),
                    spool.files(), spool.bytes());
        } catch (IOException e) {
            return new AgentStatus.Disk("", -1, -1, -1, false);
        }
    }

    private static String text(Optional<Instant> t) {
        return t.map(Instant::toString).orElse(null);
    }
}
