package io.edgesync.agent.sync;

import io.edgesync.agent.config.DeliveryRule;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.ledger.Rules;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Keeps one delivery rule ({@code sync.delivery-rules}) over its upstreams: which of them count as working, and
 * the ledger's deliveries of the rule's files to match ({@link Rules}). An upstream stops counting once it has
 * been down for {@code failover-after} (or at once when an operator pauses it), and counts again once it has
 * been up for {@code failback-after}: a flapping upstream does not drag the files back and forth. While it does
 * not count, an idle worker of it logs in now and then (its files went elsewhere, so no delivery would find out
 * it is back). Looked at every second on the monotonic clock; each outcome of a delivery of the rule is applied
 * at once ({@link #settle}). Thread-safe.
 */
final class RuleKeeper {
    private static final System.Logger LOG = System.getLogger(RuleKeeper.class.getName());
    /** A full pass over the rule's owed files while an upstream does not count (new files are looked at each tick). */
    private static final Duration FULL_PASS = Duration.ofMinutes(1);

    private final DeliveryRule config;
    private final Rules.Rule rule;
    private final List<UpstreamSync> members;
    private final Ledger ledger;
    private final EventSink events;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Set<String> failed = new LinkedHashSet<>(); // guarded by this
    private long settledUpTo; // guarded by this: the highest file id a pass looked at
    private long lastFullPass; // guarded by this, on nanoTime
    private boolean passed; // guarded by this: a full pass ran since the start

    RuleKeeper(DeliveryRule config, List<UpstreamSync> members, Ledger ledger, EventSink events, Clock clock,
               LongSupplier nanoTime) {
        this.config = config;
        this.rule = new Rules.Rule(config.name(), config.upstreams(), config.k(), config.catchUp(), config.describe());
        this.members = List.copyOf(members);
        this.ledger = ledger;
        this.events = events;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    String name() {
        return config.name();
    }

    Rules.Rule rule() {
        return rule;
    }

    boolean has(String upstream) {
        return config.upstreams().contains(upstream);
    }

    synchronized Set<String> failed() {
        return Set.copyOf(failed);
    }

    /** The members that cannot be reached now (down, failed over or not yet). */
    private Set<String> unreachable() {
        Set<String> out = new java.util.HashSet<>();
        for (UpstreamSync member : members) {
            if (member.health().downForNanos() > 0) {
                out.add(member.name());
            }
        }
        return out;
    }

    /** How often a worker of an upstream that does not count logs in to see it back. */
    Duration probeEvery() {
        long half = config.failbackAfter().dividedBy(2).toMillis();
        return Duration.ofMillis(Math.max(1_000, Math.min(30_000, half == 0 ? 5_000 : half)));
    }

    /** After an outcome of a delivery of {@code fileId}: the rule applied to it, and where it stands. */
    Optional<Rules.Standing> settle(long fileId) {
        try {
            Rules.Standing standing = ledger.rules().settleFile(rule, failed(), unreachable(), fileId, clock.instant());
            members.forEach(UpstreamSync::wake);
            return Optional.of(standing);
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "rule {0}: cannot apply it to file {1} now (the next pass will): {2}",
                    config.name(), fileId, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * One look: which upstreams count, and the ledger made to match when that changed (every owed file), or
     * while one does not count (the files received since the last look, and every owed file each minute).
     */
    synchronized void tick() {
        long now = nanoTime.getAsLong();
        List<String> changed = new ArrayList<>();
        for (UpstreamSync member : members) {
            UpstreamSync.Health health = member.health();
            boolean was = failed.contains(member.name());
            boolean is;
            String why;
            if (health.paused()) {
                is = true;
                why = "paused by an operator";
            } else if (!was) {
                is = health.downForNanos() >= config.failoverAfter().toNanos();
                why = "down for " + Duration.ofNanos(health.downForNanos()).toSeconds() + " s (failover-after "
                        + config.failoverAfter() + ")";
            } else {
                is = health.upForNanos() == 0 || health.upForNanos() < config.failbackAfter().toNanos();
                why = "up for " + Duration.ofNanos(health.upForNanos()).toSeconds() + " s (failback-after "
                        + config.failbackAfter() + ")";
            }
            if (is != was) {
                if (is) {
                    failed.add(member.name());
                } else {
                    failed.remove(member.name());
                }
                changed.add(member.name());
                member.probe(is ? probeEvery() : Duration.ZERO);
                LOG.log(System.Logger.Level.WARNING, "rule {0}: {1} {2}: {3}; now owed to {4}", config.name(),
                        member.name(), is ? "fails over" : "is back", why, serving());
                events.publish(new AgentEvent.Failover(config.name(), member.name(), is, why, clock.instant()));
            }
        }
        try {
            boolean full = !passed || !changed.isEmpty()
                    || !failed.isEmpty() && now - lastFullPass >= FULL_PASS.toNanos();
            if (!full && failed.isEmpty()) {
                return; // new files were routed as they should go: to the preferred upstreams
            }
            long from = full ? 1 : settledUpTo + 1;
            long top = ledger.rules().lastFileId();
            Rules.Settled done = ledger.rules().settleAll(rule, Set.copyOf(failed), unreachable(), from, clock.instant(),
                    id -> { });
            settledUpTo = Math.max(settledUpTo, top);
            if (full) {
                passed = true;
                lastFullPass = now;
            }
            if (done.promoted() + done.withdrawn() + done.demoted() > 0) {
                LOG.log(System.Logger.Level.INFO, "rule {0}: {1} delivery(ies) made due, {2} held back, {3} withdrawn",
                        config.name(), done.promoted(), done.demoted(), done.withdrawn());
                members.forEach(UpstreamSync::wake);
            }
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "rule {0}: cannot apply it now (tried again in a second): {1}",
                    config.name(), e.getMessage());
        }
    }

    /** Every owed file is looked at by the next tick (a resync queued deliveries for old files). */
    synchronized void resettle() {
        passed = false;
    }

    /** The upstreams that take files now, preferred first. */
    synchronized List<String> serving() {
        List<String> out = new ArrayList<>();
        for (String member : config.upstreams()) {
            if (!failed.contains(member) && out.size() < config.k()) {
                out.add(member);
            }
        }
        return out;
    }

    /** The rule as the status shows it. */
    synchronized RuleStatus status() {
        return new RuleStatus(config.name(), config.describe(), config.upstreams(), serving(), List.copyOf(failed),
                config.failoverAfter(), config.failbackAfter(), config.catchUp());
    }
}
