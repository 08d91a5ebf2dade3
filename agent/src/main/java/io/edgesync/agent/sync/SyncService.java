package io.edgesync.agent.sync;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.Glob;
import io.edgesync.agent.ledger.Backlog;
import io.edgesync.agent.ledger.DeliveryStatus;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.spool.Arrivals;
import io.edgesync.agent.spool.Routing;
import io.edgesync.agent.sync.ftp.FtpUploader;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;
import io.edgesync.agent.telemetry.Metrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Store-and-forward: runs each upstream's workers, which take the deliveries the spool recorded
 * ({@link Arrivals}) from the ledger; hears of each new file ({@link Arrivals.Listener}) to wake them; and
 * carries out the operator's commands on deliveries. An upstream that is down never blocks ingest or another
 * upstream. Thread-safe.
 */
public final class SyncService implements Arrivals.Listener {
    private static final System.Logger LOG = System.getLogger(SyncService.class.getName());

    private final Ledger ledger;
    private final EventSink events;
    private final Clock clock;
    private final List<UpstreamSync> upstreams;
    private final Path spool;
    private final Routing routing;
    private final ClockWatch clockWatch;
    private final Bandwidth agentBandwidth;
    private volatile Metrics metrics;
    private volatile AgentConfig.Sync settings;
    private final java.util.Set<String> budgetGauges = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<RuleKeeper> keepers;
    private final java.util.concurrent.ScheduledExecutorService ruleTicks = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true).name("delivery-rules").factory());

    public SyncService(AgentConfig config, Routing routing, Ledger ledger, EventSink events, Clock clock) {
        this.settings = config.sync();
        this.agentBandwidth = new Bandwidth(config.sync().bandwidth(), config.sync().timeZone(), clock, System::nanoTime);
        Throttle agentLimit = new Throttle(agentBandwidth::rate, System::nanoTime);
        this.routing = routing;
        this.ledger = ledger;
        this.events = events;
        this.clock = clock;
        this.spool = config.agent().spoolDir();
        this.clockWatch = new ClockWatch(clock, this::clockJumped);
        this.upstreams = config.upstreams().stream()
                .map(u -> new UpstreamSync(u, config.sync(), new FtpUploader(u), ledger, spool, events, clock,
                        clockWatch::jumpedForwardSince, RandomGenerator.getDefault(), agentLimit))
                .toList();
        this.keepers = config.rules().stream().map(rule -> new RuleKeeper(rule, select(rule.upstreams()).stream()
                .sorted(java.util.Comparator.comparingInt(u -> rule.upstreams().indexOf(u.name()))).toList(), ledger,
                events, clock, System::nanoTime)).toList();
        for (RuleKeeper keeper : keepers) {
            select(keeper.rule().members()).forEach(u -> u.useRule(keeper::settle));
        }
    }

    /** An operator changed a delivery: its file's rule (if any) is applied to it again. */
    private void settleRule(Ledger.OwedDelivery delivery) {
        keepers.stream().filter(k -> k.has(delivery.upstream())).forEach(k -> k.settle(delivery.fileId()));
    }

    /** The delivery rules now: which upstreams take files, which failed over. */
    public List<RuleStatus> rules() {
        return keepers.stream().map(RuleKeeper::status).toList();
    }

    /** Where each of these files stands under the rule of {@code upstream}, if it has one. */
    public java.util.Map<Long, io.edgesync.agent.ledger.Rules.Standing> standings(String upstream,
            java.util.Collection<Long> fileIds) throws LedgerException {
        for (RuleKeeper keeper : keepers) {
            if (keeper.has(upstream)) {
                return ledger.rules().standings(keeper.rule(), fileIds);
            }
        }
        return java.util.Map.of();
    }

    /**
     * {@code reload-config}: the bandwidth limits and schedules, the budgets, {@code budget-exempt} and
     * {@code sync.priorities} of {@code next} take effect now (deliveries still owed are ranked again when
     * the ranking changed). Upstreams are matched by name; the caller made sure they are the same ones.
     *
     * @return the keys that changed
     */
    public List<String> useSettings(AgentConfig current, AgentConfig next) throws LedgerException {
        List<String> applied = new java.util.ArrayList<>();
        if (!next.sync().bandwidth().equals(current.sync().bandwidth())) {
            applied.add("sync.bandwidth");
        }
        if (!next.sync().priorities().equals(current.sync().priorities())) {
            applied.add("sync.priorities");
        }
        agentBandwidth.useSchedule(next.sync().bandwidth(), next.sync().timeZone());
        for (UpstreamSync u : upstreams) {
            io.edgesync.agent.config.UpstreamSettings was = current.upstreams().stream()
                    .filter(c -> c.name().equals(u.name())).findFirst().orElseThrow();
            io.edgesync.agent.config.UpstreamSettings now = next.upstreams().stream()
                    .filter(c -> c.name().equals(u.name())).findFirst().orElseThrow();
            if (!now.bandwidth().equals(was.bandwidth())) {
                applied.add("upstreams." + u.name() + ".bandwidth");
            }
            if (!now.budget().equals(was.budget())) {
                applied.add("upstreams." + u.name() + ".budget");
            }
            if (!now.budgetExempt().equals(was.budgetExempt())) {
                applied.add("upstreams." + u.name() + ".budget-exempt");
            }
            if (u.useSettings(now, next.sync())) {
                int ranked = ledger.deliveries().reclassify(u.name());
                LOG.log(System.Logger.Level.INFO, "upstream {0}: {1} owed delivery(ies) ranked again (priorities or"
                        + " budget-exempt changed)", u.name(), ranked);
                u.wake();
            }
        }
        Metrics m = metrics;
        if (m != null) {
            registerBudgetGauges(m);
        }
        settings = next.sync();
        return applied;
    }

    /**
     * The {@code bandwidth} command: sets (or with an empty rate ends) an override of the agent's limit, or of
     * one upstream's, for {@code duration}.
     *
     * @return false when {@code upstream} names none
     */
    public boolean overrideBandwidth(Optional<String> upstream, Optional<Long> bytesPerSecond, Duration duration) {
        if (upstream.isEmpty()) {
            agentBandwidth.override(bytesPerSecond, duration);
            LOG.log(System.Logger.Level.INFO, "agent bandwidth limit {0} by operator", bytesPerSecond
                    .map(r -> io.edgesync.agent.config.BandwidthSchedule.show(r) + " for " + duration)
                    .orElse("back to the schedule"));
            return true;
        }
        List<UpstreamSync> named = select(upstream);
        named.forEach(u -> u.overrideBandwidth(bytesPerSecond, duration));
        named.forEach(u -> LOG.log(System.Logger.Level.INFO, "upstream {0}: bandwidth limit {1} by operator", u.name(),
                bytesPerSecond.map(r -> io.edgesync.agent.config.BandwidthSchedule.show(r) + " for " + duration)
                        .orElse("back to the schedule")));
        return !named.isEmpty();
    }

    /** {@code sync.*} as in force (after the last {@code reload-config}). */
    public AgentConfig.Sync settings() {
        return settings;
    }

    /** The agent's own limit ({@code sync.bandwidth}, or an override). */
    public BandwidthState agentBandwidth() {
        return agentBandwidth.state();
    }

    /** The budgets of every upstream that has one (or of the one named). */
    public java.util.Map<String, List<BudgetState>> budgets(Optional<String> upstream) {
        java.util.Map<String, List<BudgetState>> out = new java.util.LinkedHashMap<>();
        for (UpstreamSync u : select(upstream)) {
            if (u.hasBudget()) {
                out.put(u.name(), u.budget());
            }
        }
        return out;
    }

    /**
     * The {@code budget} command's raise: {@code bytes} more for the current {@code period} of {@code upstream}.
     *
     * @throws IllegalArgumentException when the upstream or its budget for that period does not exist
     */
    public BudgetState raiseBudget(String upstream, String period, long bytes) throws LedgerException {
        UpstreamSync u = select(Optional.of(upstream)).stream().findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no upstream named " + upstream));
        BudgetState state = u.raiseBudget(period, bytes);
        LOG.log(System.Logger.Level.INFO, "upstream {0}: {1} budget raised by {2} bytes by operator (used {3} of {4})",
                upstream, period, bytes, state.usedBytes(), state.limitBytes() + state.raisedBytes());
        return state;
    }

    /**
     * The wall clock jumped: a step back moves every waiting delivery's due time back as much (else a retry
     * due in seconds would wait as long as the step); then every worker looks again.
     */
    private void clockJumped(Duration jump) {
        if (jump.isNegative()) {
            try {
                ledger.deliveries().dueTimesBack(jump.negated());
            } catch (LedgerException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot move due times after the clock stepped back", e);
            }
        }
        upstreams.forEach(UpstreamSync::clockJumped);
    }

    /** Resets deliveries a crash left in flight, then starts every upstream's workers (paused ones stay paused). */
    public void start() throws LedgerException {
        java.util.Set<String> paused = ledger.deliveries().pausedUpstreams();
        upstreams.stream().filter(u -> paused.contains(u.name())).forEach(u -> {
            u.pause();
            LOG.log(System.Logger.Level.WARNING, "upstream {0} stays paused, as an operator left it; the resume"
                    + " command starts it", u.name());
        });
        int recovered = ledger.deliveries().recoverInFlight(clock.instant());
        if (recovered > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0} delivery(ies) were in flight when the agent last stopped;"
                    + " they are sent again", recovered);
        }
        for (UpstreamSync u : upstreams) {
            if (keepers.stream().noneMatch(k -> k.has(u.name()))) {
                int released = ledger.rules().release(u.name(), clock.instant());
                if (released > 0) {
                    LOG.log(System.Logger.Level.WARNING, "upstream {0} follows no delivery rule now: {1} delivery(ies)"
                            + " a rule held back are owed to it", u.name(), released);
                }
            }
        }
        for (java.util.Map.Entry<String, Long> owed : ledger.reports().owedByUpstream().entrySet()) {
            if (upstreams.stream().noneMatch(u -> u.name().equals(owed.getKey()))) {
                LOG.log(System.Logger.Level.WARNING, "{0} delivery(ies) are owed to upstream ''{1}'', which is not"
                        + " configured any more: they wait for it (their files are kept), until it is configured"
                        + " again or they are cancelled (queue, cancel)", owed.getValue(), owed.getKey());
            }
        }
        keepers.forEach(RuleKeeper::tick); // before the workers: what a rule owes where is settled first
        upstreams.forEach(UpstreamSync::start);
        if (!keepers.isEmpty()) {
            ruleTicks.scheduleWithFixedDelay(() -> keepers.forEach(RuleKeeper::tick), 1, 1,
                    java.util.concurrent.TimeUnit.SECONDS);
        }
        clockWatch.start();
        LOG.log(System.Logger.Level.INFO, "sync started for {0} upstream(s): {1}", upstreams.size(),
                upstreams.stream().map(UpstreamSync::name).toList());
    }

    /**
     * A file is in place in the spool and owed to {@code upstreams} ({@link Arrivals} recorded it): each
     * gets its {@code delivery-queued} event, then its workers are woken.
     */
    @Override
    public void arrived(ReceivedFile file, List<String> upstreams) {
        List<UpstreamSync> routed = select(upstreams);
        routed.forEach(u -> events.publish(new AgentEvent.DeliveryQueued(file.path(), u.name(), "new",
                file.receivedAt())));
        routed.forEach(UpstreamSync::wake);
    }

    /** Parked deliveries (of one upstream, or all) are tried again now. @return how many */
    public int retryParked(Optional<String> upstream) throws LedgerException {
        List<Ledger.OwedDelivery> retried = ledger.queue().retryParked(upstream, clock.instant());
        keepers.forEach(RuleKeeper::resettle); // a rule may have passed those files on meanwhile
        upstreams.forEach(UpstreamSync::wake);
        retried.forEach(d -> events.publish(new AgentEvent.DeliveryQueued(d.path(), d.upstream(), "retry",
                clock.instant())));
        LOG.log(System.Logger.Level.INFO, "retrying {0} parked delivery(ies){1}", retried.size(),
                upstream.map(u -> " to " + u).orElse(""));
        return retried.size();
    }

    /** One delivery, in any state. */
    public Optional<Ledger.OwedDelivery> delivery(long id) throws LedgerException {
        return ledger.queue().delivery(id);
    }

    /** A parked or waiting delivery is tried now. @return false if it is in another state */
    public boolean retry(Ledger.OwedDelivery delivery) throws LedgerException {
        if (!ledger.queue().retryDelivery(delivery.id(), clock.instant())) {
            return false; // a standby delivery retried goes now: the operator asked for that upstream
        }
        upstreams.forEach(UpstreamSync::wake);
        events.publish(new AgentEvent.DeliveryQueued(delivery.path(), delivery.upstream(), "retry", clock.instant()));
        LOG.log(System.Logger.Level.INFO, "retrying delivery {0} ({1} to {2}) by operator", delivery.id(),
                delivery.path(), delivery.upstream());
        return true;
    }

    /** A parked or waiting delivery is given up. @return false if it is in another state */
    public boolean cancel(Ledger.OwedDelivery delivery) throws LedgerException {
        if (!ledger.queue().cancel(delivery.id(), clock.instant())) {
            return false;
        }
        settleRule(delivery); // under a rule, the file goes to the next upstream of it
        events.publish(new AgentEvent.DeliveryCancelled(delivery.path(), delivery.upstream(), delivery.id(),
                clock.instant()));
        LOG.log(System.Logger.Level.INFO, "delivery {0} ({1} to {2}) cancelled by operator", delivery.id(),
                delivery.path(), delivery.upstream());
        return true;
    }

    /**
     * Delivers again every file still in the spool whose path matches {@code glob} (relative to the spool,
     * e.g. {@code cams/gate/2026-11-*}) to each upstream that takes it, or only to {@code upstream}.
     *
     * @return files matched and deliveries queued
     */
    public Resync resync(Glob glob, Optional<String> upstream) throws LedgerException {
        List<Ledger.SpoolFile> matched = ledger.queue().currentFiles().stream()
                .filter(f -> glob.matches(f.path()))
                .filter(f -> Files.isRegularFile(spool.resolve(f.path())))
                .toList();
        int queued = 0;
        for (UpstreamSync u : upstreams) {
            if (upstream.isPresent() && !upstream.get().equals(u.name())) {
                continue;
            }
            List<Ledger.SpoolFile> routed = matched.stream().filter(f -> routing.takes(u.name(), f.path())).toList();
            if (routed.isEmpty()) {
                continue;
            }
            // to one upstream: it gets the files; to all: a delivery rule holds back its upstreams as at intake
            java.util.Map<Long, io.edgesync.agent.ledger.Intake.Route> routes = new java.util.LinkedHashMap<>();
            for (Ledger.SpoolFile f : routed) {
                (upstream.isPresent() ? routing.routeTo(u.name(), f.path(), f.user(), f.receivedAt())
                        : routing.routesFor(f.path(), f.user(), f.receivedAt()).stream()
                                .filter(r -> r.upstream().equals(u.name())).findFirst())
                        .ifPresent(r -> routes.put(f.id(), r));
            }
            queued += ledger.queue().requeue(routes, clock.instant());
            u.wake();
            routed.forEach(f -> events.publish(new AgentEvent.DeliveryQueued(f.path(), u.name(), "resync",
                    clock.instant())));
        }
        keepers.forEach(RuleKeeper::resettle);
        LOG.log(System.Logger.Level.INFO, "resync {0}: {1} file(s) matched, {2} delivery(ies) queued", glob,
                matched.size(), queued);
        return new Resync(matched.size(), queued);
    }

    /** What a resync did. */
    public record Resync(int files, int queued) {
    }

    /**
     * No new transfer starts to the upstream (all, or the one named) until resumed, across restarts too.
     *
     * @return the upstreams whose state changed
     */
    public List<String> pause(Optional<String> upstream) throws LedgerException {
        return setPaused(upstream, true);
    }

    /** @return the upstreams whose state changed (all, or the one named) */
    public List<String> resume(Optional<String> upstream) throws LedgerException {
        return setPaused(upstream, false);
    }

    private List<String> setPaused(Optional<String> upstream, boolean paused) throws LedgerException {
        List<String> changed = new java.util.ArrayList<>();
        for (UpstreamSync u : select(upstream)) {
            ledger.deliveries().setPaused(u.name(), paused); // durable first: the reply promises it outlives a restart
            if (paused ? u.pause() : u.resume()) {
                changed.add(u.name());
            }
        }
        return changed;
    }

    private List<UpstreamSync> select(Optional<String> upstream) {
        return upstreams.stream().filter(u -> upstream.isEmpty() || upstream.get().equals(u.name())).toList();
    }

    private List<UpstreamSync> select(List<String> names) {
        return upstreams.stream().filter(u -> names.contains(u.name())).toList();
    }

    /** New sessions to {@code upstream} log in with these ({@code reload-config}). @return false if unknown */
    public boolean useCredentials(String upstream, String user, io.edgesync.agent.config.Secret password) {
        List<UpstreamSync> named = select(Optional.of(upstream));
        named.forEach(u -> u.useCredentials(user, password));
        return !named.isEmpty();
    }

    /** A page of deliveries still owed. */
    public Ledger.Page<Ledger.OwedDelivery> queue(List<DeliveryStatus> states, Optional<String> upstream, int offset,
                                                   int limit) throws LedgerException {
        return ledger.queue().owed(states, upstream, offset, limit);
    }

    /** A page of finished deliveries, newest first. */
    public List<io.edgesync.agent.ledger.Transfer> transfers(Optional<String> upstream, int offset, int limit)
            throws LedgerException {
        return ledger.reports().recentTransfers(upstream, offset, limit);
    }

    public List<UpstreamStatus> status() {
        return upstreams.stream().map(UpstreamSync::status).toList();
    }

    /** A sync worker hung past its deadline ({@link UpstreamSync#stuckAfter}): the service watchdog's check. */
    public Optional<String> stuckWorker() {
        return stuckWorker(System.nanoTime());
    }

    /** As {@link #stuckWorker()}, as seen at {@code now} ({@link System#nanoTime()}): tests look ahead. */
    Optional<String> stuckWorker(long now) {
        return upstreams.stream().map(u -> u.stuckWorker(now)).flatMap(Optional::stream).findFirst();
    }

    /** The longest any upstream's worker may go without a sign of life. */
    Duration stuckAfter() {
        return upstreams.stream().map(UpstreamSync::stuckAfter).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    public List<String> upstreamNames() {
        return upstreams.stream().map(UpstreamSync::name).toList();
    }

    public Backlog backlog(String upstream) throws LedgerException {
        return ledger.reports().backlog(upstream);
    }

    /** Registers each upstream's backlog gauges, read from the ledger at each scrape, and the limits' gauges. */
    public void registerGauges(Metrics metrics) {
        this.metrics = metrics;
        metrics.gauge("edgesync.agent.bandwidth.limit.bytes.per.second", "The agent's bandwidth limit now (0 = none)",
                agentBandwidth, b -> b.rate());
        registerBudgetGauges(metrics);
        for (UpstreamSync upstream : upstreams) {
            metrics.gauge("edgesync.bandwidth.limit.bytes.per.second", "The upstream's bandwidth limit now (0 = none)",
                    upstream, u -> u.bandwidth().bytesPerSecond(), "upstream", upstream.name());
            String name = upstream.name();
            metrics.gauge("edgesync.upstream.down", "1 while the upstream cannot be reached or refuses the login"
                    + " (the status's state down), else 0", upstream, u -> u.state().equals("down") ? 1 : 0,
                    "upstream", name);
            metrics.gauge("edgesync.backlog.files", "Deliveries still owed to the upstream", ledger,
                    l -> backlogOrNaN(name).pending(), "upstream", name);
            metrics.gauge("edgesync.parked.files", "Deliveries parked until an operator retries them", ledger,
                    l -> backlogOrNaN(name).parked(), "upstream", name);
            metrics.gauge("edgesync.oldest.pending.age.seconds", "Age of the oldest file still owed to the upstream",
                    ledger, l -> backlogOrNaN(name).oldestPending()
                            .map(t -> (double) Duration.between(t, clock.instant()).toSeconds()).orElse(0.0),
                    "upstream", name);
        }
    }

    /** Each budget's gauges, once each; a budget removed by a reload reads NaN. */
    private void registerBudgetGauges(Metrics metrics) {
        for (UpstreamSync upstream : upstreams) {
            for (BudgetState period : upstream.budget()) {
                String p = period.period();
                if (!budgetGauges.add(upstream.name() + "/" + p)) {
                    continue;
                }
                metrics.gauge("edgesync.budget.used.bytes", "Bytes sent to the upstream in the budget's current period",
                        upstream, u -> budgetOf(u, p).map(b -> (double) b.usedBytes()).orElse(Double.NaN),
                        "upstream", upstream.name(), "period", p);
                metrics.gauge("edgesync.budget.limit.bytes", "The upstream's budget for the period (raises included)",
                        upstream, u -> budgetOf(u, p).map(b -> (double) b.limitBytes() + b.raisedBytes()).orElse(Double.NaN),
                        "upstream", upstream.name(), "period", p);
            }
        }
    }

    private static Optional<BudgetState> budgetOf(UpstreamSync upstream, String period) {
        return upstream.budget().stream().filter(b -> b.period().equals(period)).findFirst();
    }

    private Backlog backlogOrNaN(String upstream) {
        try {
            return ledger.reports().backlog(upstream);
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "metrics: cannot read the backlog of {0}: {1}", upstream, e.getMessage());
            return new Backlog(-1, -1, -1, Optional.empty());
        }
    }

    /** Stops the workers, giving running transfers {@code grace} to finish. */
    public void stop(Duration grace) {
        ruleTicks.shutdownNow();
        clockWatch.close();
        try {
            for (UpstreamSync upstream : upstreams) {
                upstream.stop(grace);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
