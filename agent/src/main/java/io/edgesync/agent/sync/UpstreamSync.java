package io.edgesync.agent.sync;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.UpstreamSettings;
import io.edgesync.agent.ledger.Deliveries;
import io.edgesync.agent.ledger.Delivery;
import io.edgesync.agent.ledger.DeliveryStatus;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.ledger.Transfer;
import io.edgesync.agent.sync.ftp.Uploader;
import io.edgesync.agent.sync.ftp.UpstreamException;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * The workers of one upstream: each claims the oldest due delivery from the ledger, publishes it through
 * its own connection (kept open while there is work and for {@link #IDLE_KEEP} after), and records the
 * outcome. Idle workers sleep until
 * {@link #wake()} or the next retry falls due; nothing polls. When the upstream itself is unreachable all
 * its workers back off together, so a dead upstream costs one connect attempt per backoff step, not one
 * per file.
 */
final class UpstreamSync {
    private static final System.Logger LOG = System.getLogger(UpstreamSync.class.getName());
    private static final Duration LEDGER_ERROR_PAUSE = Duration.ofSeconds(5);

    private static final int STALE_PER_SESSION = 100;
    /**
     * An idle worker keeps its logged-in connection this long (servers' idle limits are 2-15 minutes:
     * IIS 120 s, vsftpd 300 s), so files that trickle in do not pay a login each (~50 ms with vsftpd's PAM).
     */
    static final Duration IDLE_KEEP = Duration.ofSeconds(60);
    /** A connection idle longer than this is checked with NOOP before the next file. */
    private static final Duration CHECK_AFTER = Duration.ofSeconds(5);

    private final UpstreamSettings settings;
    private final AgentConfig.Sync limits;
    private final Uploader uploader;
    private final Ledger ledger;
    private final Path spool;
    private final EventSink events;
    private final RetryPolicy retryPolicy;
    private final Clock clock;
    private final java.util.function.Function<Instant, Duration> jumpedForward;
    private final RandomGenerator random;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long generation;             // guarded by lock; bumped by wake() so no signal is lost
    private boolean stopped;             // guarded by lock
    private final UpstreamGate gate = new UpstreamGate(System::nanoTime); // guarded by lock
    private int inFlight;                // guarded by lock
    private final LargeFileAdmission admission; // guarded by lock
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final DeliveryLog deliveries;
    private final List<Thread> workers = new ArrayList<>();
    /**
     * Each worker's last sign of life while busy ({@link System#nanoTime()}): a step begun, a reply from the
     * server, bytes the data connection took; 0 while it waits for work. Read by {@link #stuckWorker}.
     */
    private final Map<String, AtomicLong> pulses = new ConcurrentHashMap<>();
    private final ThreadLocal<AtomicLong> pulse = new ThreadLocal<>();
    private final Bandwidth bandwidth;
    private final Throttle throttle;
    private final DataBudget budget;
    private final LinkPace pace;
    private volatile Ranking ranking;
    private final AtomicLong claims = new AtomicLong();
    private final ReentrantLock claimLock = new ReentrantLock();
    /** Deliveries already logged as larger than a whole budget period (once each; in memory). */
    private final java.util.Set<Long> toldTooLarge = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> refusedAttributes = ConcurrentHashMap.newKeySet();
    /** How the last delivered file's time and mode were set: for the status. */
    private volatile String[] lastAttributes = {"", ""};

    /** Applies this upstream's delivery rule to a file after each outcome; none without a rule. */
    private volatile RuleHook rule = RuleHook.NONE;
    /** A delivery rule failed over from this upstream: an idle worker logs in now and then to see it back. */
    private volatile Duration probeEvery = Duration.ZERO;
    private final AtomicLong nextProbe = new AtomicLong(System.nanoTime());

    /** A file's delivery rule, applied after an outcome of one of its deliveries. */
    interface RuleHook {
        RuleHook NONE = fileId -> Optional.empty();

        /** @return where the file stands under the rule now (empty: no rule) */
        Optional<io.edgesync.agent.ledger.Rules.Standing> settle(long fileId);
    }

    /**
     * How the upstream stands for its delivery rule.
     *
     * @param downForNanos unreachable this long, without a success between (0: it is not)
     * @param upForNanos answering this long, without an upstream-wide failure between (0: it is not)
     */
    record Health(boolean paused, long downForNanos, long upForNanos) {
    }

    /**
     * How this upstream's deliveries rank: {@code sync.priorities}, its {@code budget-exempt} globs, and when a
     * waiting delivery goes first whatever its priority ({@code sync.starve-after}).
     */
    record Ranking(List<io.edgesync.agent.config.PriorityRule> priorities, List<io.edgesync.agent.config.Glob> exempt,
                   Duration starveAfter) {
        static Ranking of(AgentConfig.Sync sync, UpstreamSettings upstream) {
            return new Ranking(sync.priorities(), upstream.budgetExempt().stream()
                    .map(io.edgesync.agent.config.Glob::of).toList(), sync.starveAfter());
        }

        Deliveries.Classification classify(String path) {
            int priority = 0;
            for (io.edgesync.agent.config.PriorityRule rule : priorities) {
                if (rule.matcher().matches(path)) {
                    priority = rule.priority();
                    break;
                }
            }
            boolean exempted = false;
            for (io.edgesync.agent.config.Glob glob : exempt) {
                if (glob.matches(path)) {
                    exempted = true;
                    break;
                }
            }
            return new Deliveries.Classification(priority, exempted);
        }

        /** Whether it ranks anything differently from the same as another (then the owed deliveries are ranked again). */
        boolean ranksLike(Ranking other) {
            return priorities.equals(other.priorities) && exempt.stream().map(Object::toString).toList()
                    .equals(other.exempt.stream().map(Object::toString).toList());
        }
    }

    /**
     * @param jumpedForward how much the wall clock jumped forward since an instant (ages are measured without it)
     */
    UpstreamSync(UpstreamSettings settings, AgentConfig.Sync limits, Uploader uploader, Ledger ledger, Path spool,
                 EventSink events, Clock clock, java.util.function.Function<Instant, Duration> jumpedForward,
                 RandomGenerator random) {
        this(settings, limits, uploader, ledger, spool, events, clock, jumpedForward, random,
                new Throttle(() -> 0, System::nanoTime));
    }

    /** @param agentLimit the agent's bandwidth limit ({@code sync.bandwidth}), shared with the other upstreams */
    UpstreamSync(UpstreamSettings settings, AgentConfig.Sync limits, Uploader uploader, Ledger ledger, Path spool,
                 EventSink events, Clock clock, java.util.function.Function<Instant, Duration> jumpedForward,
                 RandomGenerator random, Throttle agentLimit) {
        this.jumpedForward = jumpedForward;
        this.bandwidth = new Bandwidth(settings.bandwidth(), limits.timeZone(), clock, System::nanoTime);
        this.throttle = new Throttle(bandwidth::rate, System::nanoTime);
        this.budget = new DataBudget(settings.name(), settings.budget(), limits.timeZone(), ledger, events, clock,
                System::nanoTime);
        this.pace = new LinkPace(throttle, agentLimit, budget);
        this.ranking = Ranking.of(limits, settings);
        this.settings = settings;
        this.limits = limits;
        this.uploader = uploader;
        this.ledger = ledger;
        this.spool = spool;
        this.events = events;
        this.retryPolicy = new RetryPolicy(limits);
        this.admission = new LargeFileAdmission(settings.workers(), limits.resumeThreshold());
        this.clock = clock;
        this.random = random;
        this.deliveries = new DeliveryLog(LOG, settings.name());
    }

    String name() {
        return settings.name();
    }

    void useRule(RuleHook hook) {
        this.rule = hook;
    }

    /** {@code unknown}, {@code up} or {@code down}, as the status says. */
    String state() {
        lock.lock();
        try {
            return gate.state();
        } finally {
            lock.unlock();
        }
    }

    Health health() {
        lock.lock();
        try {
            return new Health(gate.paused(), gate.downForNanos(), gate.upForNanos());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether an idle worker logs in every {@code every} to see whether the upstream is back (ZERO: no probes):
     * its delivery rule sends its files elsewhere, so no delivery of its own would find out.
     */
    void probe(Duration every) {
        Duration before = probeEvery;
        probeEvery = every;
        if (before.isZero() && !every.isZero()) {
            nextProbe.set(System.nanoTime());
            wake();
        }
    }

    /** An idle worker's probe, when one is due (one worker at a time): logs in and out. */
    private void probeIfDue() {
        Duration every = probeEvery;
        long now = System.nanoTime();
        long due = nextProbe.get();
        if (every.isZero() || now - due < 0 || !nextProbe.compareAndSet(due, now + every.toNanos())) {
            return;
        }
        lock.lock();
        try {
            if (!gate.open()) {
                return;
            }
        } finally {
            lock.unlock();
        }
        try {
            closed(open());
            LOG.log(System.Logger.Level.DEBUG, "{0}: probe logged in", settings.name());
        } catch (UpstreamException e) {
            Instant at = clock.instant();
            lock.lock();
            try {
                gate.probeFailed(at, e.getMessage(), at.plus(every));
            } finally {
                lock.unlock();
            }
            LOG.log(System.Logger.Level.DEBUG, "{0}: probe failed: {1}", settings.name(), e.getMessage());
        }
    }

    private Optional<Instant> nextProbe() {
        Duration every = probeEvery;
        return every.isZero() ? Optional.empty()
                : Optional.of(clock.instant().plusNanos(Math.max(0, nextProbe.get() - System.nanoTime())));
    }

    /** The refusal of the file parked last, if the last delivery that ended here was parked. */
    private Optional<String> lastParkedError() {
        try {
            return ledger.reports().recentTransfers(Optional.of(settings.name()), 0, 1).stream()
                    .filter(t -> t.state() == DeliveryStatus.PARKED).findFirst().flatMap(Transfer::lastError);
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream {0}: the last parked file''s error cannot be read: {1}",
                    settings.name(), e.getMessage());
            return Optional.empty();
        }
    }

    void start() {
        lastParkedError().ifPresent(error -> {
            lock.lock();
            try {
                gate.restoreLastError(error);
            } finally {
                lock.unlock();
            }
        });
        // Platform threads, not virtual ones: a worker spends most of a large file inside sendfile
        // (FileChannel.transferTo to the data socket), which holds its carrier thread, and virtual threads
        // have as many carriers as cores: large transfers would stop the small files' worker.
        for (int i = 0; i < settings.workers(); i++) {
            String name = "sync-" + settings.name() + "-" + i;
            workers.add(Thread.ofPlatform().daemon(true).name(name).start(this::work));
        }
    }

    /** New sessions log in with these ({@code reload-config}). */
    void useCredentials(String user, io.edgesync.agent.config.Secret password) {
        uploader.useCredentials(user, password);
        wakeAfter(() -> {
            gate.credentialsChanged();
            return null;
        });
    }

    /**
     * New work may be due: wakes every idle worker, unless the upstream is paused or backing off. Then they
     * look again when that ends (resume signals; a backoff is a timed wait in {@link #awaitUsable}), and the
     * generation still moves on, so a worker about to sleep does not. Otherwise, during an outage, every upload
     * would wake all the workers to find the upstream still blocked (SyncServiceTest counts it).
     */
    void wake() {
        lock.lock();
        try {
            generation++;
            if (gate.open()) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The wall clock jumped: due times were moved, every worker looks again. */
    void clockJumped() {
        wakeAfter(() -> null);
    }

    /** Applies {@code change} to the workers' shared state and wakes them all, so none misses it. */
    private <T> T wakeAfter(java.util.function.Supplier<T> change) {
        lock.lock();
        try {
            T result = change.get();
            generation++;
            changed.signalAll();
            return result;
        } finally {
            lock.unlock();
        }
    }

    /**
     * No new transfer starts until {@link #resume()}; running ones finish.
     *
     * @return false if it was paused already
     */
    boolean pause() {
        return setPaused(true);
    }

    /** @return false if it was not paused */
    boolean resume() {
        return setPaused(false);
    }

    private boolean setPaused(boolean value) {
        return wakeAfter(() -> gate.setPaused(value));
    }

    void stop(Duration grace) throws InterruptedException {
        wakeAfter(() -> stopped = true);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread worker : workers) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !worker.join(Duration.ofNanos(left))) {
                worker.interrupt(); // a transfer still running is cut; the ledger retries it after restart
            }
        }
    }

    UpstreamStatus status() {
        BandwidthState limit = bandwidth.state();
        List<BudgetState> spent = budget.state(); // before the lock, which the workers take often
        lock.lock();
        try {
            return new UpstreamStatus(settings.name(), settings.displayUrl(), gate.state(), gate.paused(), inFlight,
                    gate.consecutiveFailures(), gate.lastSuccess(), gate.lastFailure(), gate.lastError(),
                    gate.retryAt(clock.instant()),
                    running.values().stream().map(Running::progress)
                            .sorted(java.util.Comparator.comparingLong(UpstreamStatus.TransferProgress::deliveryId))
                            .toList(), limit, spent, files());
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        AtomicLong beat = new AtomicLong(System.nanoTime());
        pulse.set(beat);
        pulses.put(Thread.currentThread().getName(), beat);
        Uploader.Session session = null;
        long idleSince = System.nanoTime();
        boolean drainedOnce = false; // stale temporaries were looked for since the last delivery
        try {
            while (true) {
                long seen = awaitUsable();
                if (seen < 0) {
                    return;
                }
                if (session == null) {
                    // Log in before claiming: a file claimed first would wait out the login while other workers
                    // deliver younger ones, and the backlog would drain out of order.
                    Optional<Instant> due = nextDue();
                    if (due.isEmpty() || due.get().isAfter(clock.instant())) {
                        probeIfDue();
                        awaitChange(seen, earliest(due, nextProbe()));
                        continue;
                    }
                    try {
                        session = open();
                    } catch (UpstreamException e) {
                        openFailed(seen, e);
                        continue;
                    }
                    idleSince = System.nanoTime();
                }
                Optional<Delivery> next;
                try {
                    next = claim(session);
                } catch (LedgerException e) {
                    awaitChange(seen, Optional.of(ledgerFailed(e)));
                    continue;
                }
                if (next.isEmpty()) {
                    budgetBlocks();
                    deliveries.drained();
                    if (session != null && !drainedOnce) {
                        removeStaleTemps(session); // a long-lived session would otherwise leave them until it ends
                    }
                    drainedOnce = true;
                    // the connection stays open a while, so a trickle of files does not log in for each
                    long idleNanos = System.nanoTime() - idleSince;
                    if (idleNanos >= IDLE_KEEP.toNanos()) {
                        session = closed(session);
                    }
                    Optional<Instant> closeAt = session == null ? Optional.empty()
                            : Optional.of(clock.instant().plusNanos(IDLE_KEEP.toNanos() - idleNanos));
                    awaitChange(seen, earliest(nextDue(), closeAt));
                    continue;
                }
                Delivery delivery = next.get();
                drainedOnce = false;
                if (System.nanoTime() - idleSince > CHECK_AFTER.toNanos() && !session.alive()) {
                    session = abandoned(session); // the server closed it while idle: a new one, no failure counted
                    try {
                        session = open();
                    } catch (UpstreamException e) {
                        record(delivery, failed(delivery, e, Optional.empty()));
                        wake();
                        continue;
                    }
                }
                Outcome outcome = attempt(session, delivery);
                boolean connectionFine = outcome instanceof Outcome.Delivered || outcome instanceof Outcome.Withdrawn;
                if (!connectionFine) {
                    // after any failure, the next file on a fresh connection; this one is dropped without a QUIT, whose
                    // reply a stalled server would make the attempt wait for (control-timeout more)
                    session = abandoned(session);
                }
                record(delivery, outcome);
                if (outcome instanceof Outcome.Withdrawn) {
                    removeStaleTemps(session); // its temporary, now, not at the next session
                }
                idleSince = System.nanoTime();
                wake(); // the ledger changed: a path this delivery held, or the next due time
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closed(session);
            deliveries.close();
            budget.save();
            pulses.remove(Thread.currentThread().getName());
        }
    }

    /**
     * The most a busy worker may go without a sign of life: each step between two signs is bounded by one of
     * the upstream's timeouts (connect, a reply, the data connection taking bytes), so this is twice their
     * sum and two minutes for local work (reading a large spool file on a slow card).
     */
    Duration stuckAfter() {
        return settings.connectTimeout().plus(settings.controlTimeout()).plus(settings.dataTimeout()).multipliedBy(2)
                .plus(Duration.ofMinutes(2));
    }

    /** A worker busy without a sign of life for longer than {@link #stuckAfter()}: hung, not slow. */
    Optional<String> stuckWorker() {
        return stuckWorker(System.nanoTime());
    }

    /** As {@link #stuckWorker()}, as seen at {@code now} ({@link System#nanoTime()}): tests look ahead. */
    Optional<String> stuckWorker(long now) {
        Duration stuckAfter = stuckAfter();
        long limit = stuckAfter.toNanos();
        for (Map.Entry<String, AtomicLong> worker : pulses.entrySet()) {
            long since = worker.getValue().get();
            if (since != 0 && now - since > limit) {
                return Optional.of(worker.getKey() + " has shown no sign of life for "
                        + Duration.ofNanos(now - since).toSeconds() + " s (limit " + stuckAfter.toSeconds() + " s)");
            }
        }
        return Optional.empty();
    }

    /** The calling worker waits for work from now: no signs of life are owed. */
    private void idle() {
        AtomicLong beat = pulse.get();
        if (beat != null) {
            beat.set(0);
        }
    }

    /** The calling worker is busy from now (and has shown a sign of life). */
    private void busy() {
        AtomicLong beat = pulse.get();
        if (beat != null) {
            beat.set(System.nanoTime());
        }
    }

    private Uploader.Session open() throws UpstreamException {
        Runnable sign = this::busy;
        Uploader.Session session = uploader.open(sign, budget::sentControl);
        lock.lock();
        try {
            gate.reached();
        } finally {
            lock.unlock();
        }
        removeStaleTemps(session);
        return session;
    }

    /**
     * The first due delivery by priority, then age, claimed: a large one only while fewer than {@code workers - 1}
     * are in flight; one that does not fit in the budget left only if it is exempt. Every fourth claim, when
     * priorities are set, takes the oldest delivery that has waited longer than {@code sync.starve-after},
     * whatever its priority: the lowest priority still gets a quarter of the transfer starts.
     */
    private Optional<Delivery> claim(Uploader.Session session) throws LedgerException {
        boolean mayTakeLarge = reserveLarge();
        try {
            Optional<Delivery> next;
            Ranking rank = ranking;
            // what is left and its reservation together, so that two workers never spend the same bytes; not under
            // the budget's own lock, which the data path takes to count bytes (a claim is a ledger write)
            claimLock.lock();
            try {
                Instant now = clock.instant();
                boolean fairTurn = !rank.priorities().isEmpty() && claims.incrementAndGet() % 4 == 0;
                next = ledger.deliveries().claimNext(new Deliveries.Claim(settings.name(), now,
                        mayTakeLarge ? Long.MAX_VALUE : largeFrom(), budget.left(),
                        fairTurn ? Optional.of(now.minus(rank.starveAfter())) : Optional.empty(), rank::classify,
                        session == null ? null : (path, id) -> session.tempPath(path, Long.toString(id))));
                next.filter(d -> !d.exempt()).ifPresent(d -> budget.reserve(d.size()));
            } finally {
                claimLock.unlock();
            }
            if (mayTakeLarge && (next.isEmpty() || next.get().size() < largeFrom())) {
                releaseLarge();
            }
            return next;
        } catch (LedgerException e) {
            if (mayTakeLarge) {
                releaseLarge();
            }
            throw e;
        }
    }

    private long largeFrom() {
        return admission.largeFrom(); // immutable
    }

    private boolean reserveLarge() {
        lock.lock();
        try {
            return admission.reserve();
        } finally {
            lock.unlock();
        }
    }

    private void releaseLarge() {
        lock.lock();
        try {
            admission.release();
        } finally {
            lock.unlock();
        }
    }

    /**
     * No session: the failure counts as the oldest due file's attempt, so its backoff, events and log line
     * name a file (when another worker took that file meanwhile, it has its own outcome).
     */
    private void openFailed(long seen, UpstreamException e) throws InterruptedException {
        Optional<Delivery> oldest;
        try {
            oldest = claim(null);
        } catch (LedgerException ledgerDown) {
            awaitChange(seen, Optional.of(ledgerFailed(ledgerDown)));
            wake();
            return;
        }
        oldest.ifPresent(d -> record(d, failed(d, e, Optional.empty())));
        wake();
    }

    private Outcome attempt(Uploader.Session session, Delivery delivery) {
        Instant start = clock.instant();
        String temp = session.tempPath(delivery.upstreamPath(), Long.toString(delivery.id()));
        boolean large = delivery.size() >= limits.resumeThreshold();
        lock.lock();
        try {
            inFlight++;
        } finally {
            lock.unlock();
        }
        Running run = new Running(delivery, start, settings.name(), events, clock);
        running.put(delivery.id(), run);
        AtomicLong beat = Objects.requireNonNullElseGet(pulse.get(), AtomicLong::new);
        Path local = spool.resolve(delivery.path());
        try (SpoolVersion version = SpoolVersion.open(local, delivery, ledger)) {
            if (version.outcome().isPresent()) {
                return version.outcome().get();
            }
            if (large && delivery.tempPath().isEmpty()) {
                ledger.deliveries().tempStarted(delivery.id(), temp); // only a temporary the ledger knows may be resumed
            }
            boolean mayResume = large && delivery.tempPath().equals(Optional.of(temp));
            Uploader.Published how = session.upload(new Uploader.Upload(version.file(), local, delivery.upstreamPath(),
                    delivery.size(), delivery.sha256(), Long.toString(delivery.id()), mayResume, bytes -> {
                        run.progressed(bytes);
                        beat.set(System.nanoTime());
                    },
                    version::stillCurrent, pace, Optional.of(version.modifiedAt())));
            return new Outcome.Delivered(Duration.between(start, clock.instant()), how);
        } catch (UpstreamException e) {
            return failed(delivery, e, e.reason().touchesTemp() ? Optional.of(temp) : Optional.empty());
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.ERROR, "upstream " + settings.name() + ": cannot read or record "
                    + delivery.path() + " in the ledger", e);
            return new Outcome.RetryLater("ledger", e.getMessage(), clock.instant().plus(LEDGER_ERROR_PAUSE), false,
                    Optional.empty());
        } catch (IOException e) {
            return failed(delivery, new UpstreamException(UpstreamException.Reason.LOCAL, "cannot read " + delivery.path()
                    + " in the spool: " + e.getMessage(), e), Optional.empty());
        } finally {
            run.finish();
            running.remove(delivery.id());
            lock.lock();
            try {
                inFlight--;
            } finally {
                lock.unlock();
            }
        }
    }

    /** What a failed attempt leads to: {@link RetryPolicy}, given the upstream's failures in a row so far. */
    private Outcome failed(Delivery delivery, UpstreamException e, Optional<String> temp) {
        int upstreamFailures;
        lock.lock();
        try {
            upstreamFailures = gate.consecutiveFailures();
        } finally {
            lock.unlock();
        }
        return retryPolicy.afterFailure(delivery, e, temp, clock.instant(), jumpedForward.apply(delivery.receivedAt()),
                upstreamFailures, random);
    }

    /** Deletes upstream temporaries left by deliveries that were parked or superseded. */
    private void removeStaleTemps(Uploader.Session session) {
        try {
            for (Ledger.StaleTemp stale : ledger.deliveries().staleTemps(settings.name(), STALE_PER_SESSION)) {
                session.deleteQuietly(stale.path());
                ledger.deliveries().staleTempRemoved(stale.id());
                LOG.log(System.Logger.Level.DEBUG, "{0}: removed stale temporary {1}", settings.name(), stale.path());
            }
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream " + settings.name() + ": cannot read stale temporaries", e);
        }
    }

    private void record(Delivery d, Outcome outcome) {
        Instant now = clock.instant();
        if (d.size() >= largeFrom()) {
            releaseLarge(); // its place was taken at the claim
        }
        if (!d.exempt()) {
            budget.release(d.size());
        }
        budget.save();
        try {
            switch (outcome) {
                case Outcome.Delivered ok -> {
                    ledger.deliveries().deliveredWithoutWaiting(d.id(), now, ok.took()); // committed with the next claim
                    succeeded(now);
                    deliveries.delivered(d.path(), d.size(), d.attempt(), ok, now);
                    Optional<io.edgesync.agent.ledger.Rules.Standing> standing = rule.settle(d.fileId());
                    events.publish(new AgentEvent.FileDelivered(d.path(), settings.name(), d.size(), d.attempt(),
                            ok.took(), ok.how().verifiedBy(), ok.how().resumedFrom(), now,
                            standing.map(UpstreamSync::ruleState), ok.how().fileTime(), ok.how().mode(),
                            d.remotePath()));
                    attributesRefused(ok.how());
                }
                case Outcome.RetryLater retry -> {
                    // an upstream-wide failure keeps the file due: the upstream's own backoff (blockedUntil) gates it
                    ledger.deliveries().retryLater(d.id(), now, retry.upstreamWide() ? now : retry.at(), retry.error(),
                            retry.tempWritten());
                    failedAt(now, retry);
                    rule.settle(d.fileId());
                    LOG.log(System.Logger.Level.WARNING, "{0} to {1} failed (attempt {2}, {3}): {4}; next try at {5}",
                            d.path(), settings.name(), d.attempt(), retry.reason(), retry.error(), retry.at());
                    events.publish(new AgentEvent.DeliveryFailed(d.path(), settings.name(), retry.reason(),
                            retry.error(), d.attempt(), retry.at(), now));
                }
                case Outcome.Parked parked -> {
                    ledger.deliveries().park(d.id(), now, parked.error(), parked.tempWritten());
                    parkedAt(now, parked.error());
                    rule.settle(d.fileId()); // another upstream of its rule takes it
                    LOG.log(System.Logger.Level.ERROR, "{0} to {1} parked after attempt {2} ({3}): {4}",
                            d.path(), settings.name(), d.attempt(), parked.reason(), parked.error());
                    events.publish(new AgentEvent.DeliveryParked(d.path(), settings.name(), parked.reason(),
                            parked.error(), d.attempt(), now));
                }
                case Outcome.Withdrawn withdrawn -> {
                    ledger.deliveries().supersede(d.id(), now, withdrawn.tempWritten());
                    LOG.log(System.Logger.Level.INFO, "{0} to {1} withdrawn: {2}", d.path(), settings.name(),
                            withdrawn.cause());
                    events.publish(new AgentEvent.DeliveryWithdrawn(d.path(), settings.name(), withdrawn.cause(), now));
                }
            }
        } catch (LedgerException e) {
            // The delivery stays 'active' in the ledger and is retried after the next start.
            LOG.log(System.Logger.Level.ERROR, "cannot record the outcome of " + d.path() + " to " + settings.name(), e);
        }
    }

    /** A refused time or mode is logged once per upstream and kind until it is accepted again; never fatal. */
    private void attributesRefused(io.edgesync.agent.sync.ftp.Uploader.Published how) {
        for (String[] kind : new String[][] {{"time", how.fileTime()}, {"mode", how.mode()}}) {
            boolean refused = kind[1].startsWith("refused");
            if (refused ? refusedAttributes.add(kind[0]) : refusedAttributes.remove(kind[0])) {
                LOG.log(refused ? System.Logger.Level.WARNING : System.Logger.Level.INFO, refused
                        ? "upstream {0} refuses to set a file''s {1} ({2}); files are delivered without it"
                        : "upstream {0} sets a file''s {1} again", settings.name(), kind[0], kind[1]);
            }
        }
        lastAttributes = new String[] {how.fileTime(), how.mode()};
    }

    private UpstreamStatus.Files files() {
        String[] last = lastAttributes;
        return new UpstreamStatus.Files(settings.path().toString(), last[0].isEmpty() ? null : last[0],
                last[1].isEmpty() ? null : last[1]);
    }

    private static AgentEvent.RuleState ruleState(io.edgesync.agent.ledger.Rules.Standing s) {
        return new AgentEvent.RuleState(s.rule(), s.label(), s.needed(), s.deliveredTo(), s.met());
    }

    private void succeeded(Instant now) {
        lock.lock();
        try {
            gate.succeeded(now);
        } finally {
            lock.unlock();
        }
    }

    private void failedAt(Instant now, Outcome.RetryLater retry) {
        lock.lock();
        try {
            gate.failed(now, retry.error(), retry.upstreamWide(), retry.at());
        } finally {
            lock.unlock();
        }
    }

    /** A parked file is the upstream's last error too; the upstream answered, so it is not down for it. */
    private void parkedAt(Instant now, String error) {
        lock.lock();
        try {
            gate.parked(now, error);
        } finally {
            lock.unlock();
        }
    }

    /**
     * When the next delivery that may go falls due; with a budget, one that fits in what is left (or is exempt),
     * and at the latest when the next budget period begins.
     */
    private Optional<Instant> nextDue() {
        try {
            long left = budget.left();
            Optional<Instant> due = ledger.deliveries().nextDue(settings.name(), left);
            return left == Long.MAX_VALUE ? due : earliest(due, budget.nextReset());
        } catch (LedgerException e) {
            return Optional.of(ledgerFailed(e));
        }
    }

    /** Tells the budget when a due delivery waits only because it does not fit in what is left. */
    private void budgetBlocks() {
        if (!budget.any()) {
            return;
        }
        try {
            Instant now = clock.instant();
            long left = budget.left();
            boolean due = ledger.deliveries().nextDue(settings.name()).filter(t -> !t.isAfter(now)).isPresent();
            boolean fits = ledger.deliveries().nextDue(settings.name(), left).filter(t -> !t.isAfter(now)).isPresent();
            if (due && !fits) {
                budget.blocked();
                Optional<Deliveries.Waiting> waiting = ledger.deliveries().firstNotFitting(settings.name(), now, left);
                if (waiting.isPresent()) {
                    Optional<String> why = budget.whyWaiting(waiting.get().size());
                    if (why.isPresent()) {
                        ledger.deliveries().noteWaiting(waiting.get().id(), why.get());
                        if (why.get().startsWith("larger") && toldTooLarge.add(waiting.get().id())) {
                            LOG.log(System.Logger.Level.WARNING, "{0} ({1} bytes) is {2}", waiting.get().path(),
                                    waiting.get().size(), why.get());
                        }
                    }
                }
            }
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream {0}: cannot read the ledger: {1}", settings.name(),
                    e.getMessage());
        }
    }

    /** {@code reload-config}: the limit, the budget and the ranking of deliveries. @return whether the ranking changed */
    boolean useSettings(UpstreamSettings next, AgentConfig.Sync sync) {
        bandwidth.useSchedule(next.bandwidth(), sync.timeZone());
        budget.useSettings(next.budget(), sync.timeZone());
        Ranking now = Ranking.of(sync, next);
        boolean changed = !now.ranksLike(ranking);
        ranking = now;
        wake();
        return changed;
    }

    /** The {@code bandwidth} command: an override of this upstream's limit (empty: back to the schedule). */
    void overrideBandwidth(Optional<Long> bytesPerSecond, Duration duration) {
        bandwidth.override(bytesPerSecond, duration);
    }

    BandwidthState bandwidth() {
        return bandwidth.state();
    }

    /** The {@code budget} command's raise; wakes the workers, which may have waited for it. */
    BudgetState raiseBudget(String period, long bytes) throws LedgerException {
        BudgetState state = budget.raise(period, bytes);
        wake();
        return state;
    }

    List<BudgetState> budget() {
        return budget.state();
    }

    boolean hasBudget() {
        return budget.any();
    }

    /** Logs a ledger that cannot be read; @return when to look again */
    private Instant ledgerFailed(LedgerException e) {
        LOG.log(System.Logger.Level.ERROR, "upstream " + settings.name() + ": cannot read the ledger", e);
        return clock.instant().plus(LEDGER_ERROR_PAUSE);
    }

    /**
     * Waits while the upstream is paused or in its upstream-wide backoff.
     *
     * @return the wake-up generation seen before the next claim, or -1 when stopped
     */
    private long awaitUsable() throws InterruptedException {
        idle();
        lock.lock();
        try {
            while (!stopped) {
                if (gate.paused()) {
                    changed.await();
                } else if (gate.backingOff()) {
                    changed.awaitNanos(gate.nanosUntilOpen());
                } else {
                    break;
                }
            }
            return stopped ? -1 : generation;
        } finally {
            lock.unlock();
            busy();
        }
    }

    /**
     * Sleeps until {@link #wake()} after {@code seen}, until {@code until}, or stop. A deadline already past
     * means due work is held by another worker (same path in flight): only a wake can free it. The wait is on
     * the monotonic clock: {@code until} is read against the wall clock once, here, and a wall-clock jump
     * meanwhile wakes every worker ({@link #clockJumped()}).
     */
    private void awaitChange(long seen, Optional<Instant> until) throws InterruptedException {
        idle();
        lock.lock();
        try {
            boolean timed = until.isPresent() && until.get().isAfter(clock.instant());
            long deadline = timed
                    ? System.nanoTime() + Duration.between(clock.instant(), until.get()).toNanos() + 1_000_000 : 0;
            while (!stopped && generation == seen) {
                if (!timed) {
                    changed.await();
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || changed.awaitNanos(left) <= 0) {
                    return;
                }
            }
        } finally {
            lock.unlock();
            busy();
        }
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a.get().isBefore(b.get()) ? a : b;
    }

    private static Uploader.Session abandoned(Uploader.Session session) {
        if (session != null) {
            session.abandon();
        }
        return null;
    }

    private static Uploader.Session closed(Uploader.Session session) {
        if (session != null) {
            session.close();
        }
        return null;
    }
}
