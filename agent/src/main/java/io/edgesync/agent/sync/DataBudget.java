package io.edgesync.agent.sync;

import io.edgesync.agent.config.BudgetSettings;
import io.edgesync.agent.ledger.Budgets;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One upstream's data budgets ({@code upstreams[].budget}): bytes on the wire counted per day and per month in
 * the ledger (so a restart forgets nothing but the last second's), alarms at 80% and 100% once per period
 * (a raise re-arms them),
 * and what is left, which the workers' claims respect: a file starts only if its size fits in what is left
 * less what the transfers running now may still send, unless it is exempt ({@code budget-exempt}). So a
 * budget is overrun by no more than resends and protocol. Bytes are counted as the wire carries them,
 * approximately: the data and the control connection's commands and replies, each TCP segment of 1,448
 * bytes with 52 bytes of TCP/IP headers; not TLS records, handshakes, or the downlink's acknowledgements.
 * Thread-safe.
 */
final class DataBudget {
    private static final System.Logger LOG = System.getLogger(DataBudget.class.getName());
    static final long SEGMENT = 1_448;
    static final long HEADERS = 52;
    private static final long SAVE_BYTES = 1L << 20;
    private static final long SAVE_NANOS = 1_000_000_000L;

    private final String upstream;
    private final Ledger ledger;
    private final EventSink events;
    private final Clock clock;
    private final LongSupplier nanos;
    private volatile BudgetSettings settings;                  // written under this
    private ZoneId zone;                                       // guarded by this
    private final Map<String, Account> accounts = new LinkedHashMap<>(); // guarded by this; the current periods
    private long reserved;                                     // guarded by this
    private long savedAt;                                      // guarded by this

    /** One period's count, as the ledger has it plus what is not written yet. */
    private static final class Account {
        final String period;
        final Instant startsAt;
        final Instant resetsAt;
        final long limit;
        long used;
        long raised;
        int alerted;
        long unsaved;
        int savedAlerted;
        boolean blocked; // a delivery waits because it does not fit in what is left

        Account(String period, Instant startsAt, Instant resetsAt, long limit, Budgets.Usage usage) {
            this.period = period;
            this.startsAt = startsAt;
            this.resetsAt = resetsAt;
            this.limit = limit;
            this.used = usage.used();
            this.raised = usage.raised();
            this.alerted = usage.alerted();
            this.savedAlerted = alerted;
        }

        long allowed() {
            return limit + raised;
        }

        int level() {
            return used >= allowed() || blocked ? 100 : used * 10 >= allowed() * 8 ? 80 : 0;
        }
    }

    DataBudget(String upstream, BudgetSettings settings, ZoneId zone, Ledger ledger, EventSink events, Clock clock,
               LongSupplier nanos) {
        this.upstream = upstream;
        this.settings = settings;
        this.zone = settings.zone().orElse(zone);
        this.ledger = ledger;
        this.events = events;
        this.clock = clock;
        this.nanos = nanos;
        this.savedAt = nanos.getAsLong();
    }

    /** Whether a budget is set (read without the lock: the data path asks at every write). */
    boolean any() {
        return settings.any();
    }

    /** {@code reload-config}: the counts so far are kept; the limits (and periods) are the new ones. */
    void useSettings(BudgetSettings next, ZoneId defaultZone) {
        List<AgentEvent> alarms;
        synchronized (this) {
            save();
            Map<String, Account> before = new LinkedHashMap<>(accounts);
            settings = next;
            zone = next.zone().orElse(defaultZone);
            accounts.clear();
            current();
            carryOver(before);
            alarms = alarms();
        }
        alarms.forEach(events::publish);
    }

    /**
     * A new reset time, day or zone moved a period's start: what the period before counted (and raised) is
     * carried over in full, for the bytes were sent and most of them within the new period. A budget errs
     * towards waiting, not towards the bill.
     */
    private void carryOver(Map<String, Account> before) {
        for (Account now : accounts.values()) {
            Account was = before.get(now.period);
            if (was == null || was.startsAt.equals(now.startsAt) || was.used <= now.used && was.raised <= now.raised) {
                continue;
            }
            long used = Math.max(0, was.used - now.used);
            long raised = Math.max(0, was.raised - now.raised);
            try {
                ledger.budgets().add(upstream, now.period, now.startsAt, used, raised, Math.max(now.alerted, was.alerted));
                now.used += used;
                now.raised += raised;
                now.alerted = Math.max(now.alerted, was.alerted);
                now.savedAlerted = now.alerted;
                LOG.log(System.Logger.Level.INFO, "upstream {0}: the {1} budget now begins at {2}; the {3} bytes counted"
                        + " since {4} count in it", upstream, now.period, now.startsAt, was.used, was.startsAt);
            } catch (LedgerException e) {
                LOG.log(System.Logger.Level.WARNING, "upstream {0}: cannot carry the {1} budget''s count over to its new"
                        + " period: {2}", upstream, now.period, e.getMessage());
            }
        }
    }

    /** Bytes that may still start: the least any period has left, less what running transfers reserved. */
    long left() {
        return settings.any() ? budgetLeft() : Long.MAX_VALUE;
    }

    private synchronized long budgetLeft() {
        if (!settings.any()) {
            return Long.MAX_VALUE;
        }
        current();
        long left = Long.MAX_VALUE;
        for (Account a : accounts.values()) {
            left = Math.min(left, a.allowed() - a.used);
        }
        return Math.max(0, left - reserved);
    }

    /** A transfer of up to {@code bytes} started: they are not left for others until {@link #release}. */
    synchronized void reserve(long bytes) {
        reserved += bytes;
    }

    synchronized void release(long bytes) {
        reserved = Math.max(0, reserved - bytes);
    }

    /** {@code bytes} of a file's data went out. */
    void sentData(long bytes) {
        charge(bytes + (bytes + SEGMENT - 1) / SEGMENT * HEADERS);
    }

    /** A command or reply of {@code bytes} crossed the control connection. */
    void sentControl(long bytes) {
        charge(bytes + 2 + HEADERS);
    }

    private void charge(long wire) {
        if (!settings.any()) {
            return; // no lock on the data path without a budget
        }
        List<AgentEvent> alarms;
        synchronized (this) {
            if (!settings.any()) {
                return;
            }
            current();
            for (Account a : accounts.values()) {
                a.used += wire;
                a.unsaved += wire;
            }
            alarms = alarms();
            if (!alarms.isEmpty() || accounts.values().stream().anyMatch(a -> a.unsaved >= SAVE_BYTES)
                    || nanos.getAsLong() - savedAt >= SAVE_NANOS) {
                save();
            }
        }
        alarms.forEach(events::publish);
    }

    /** Writes what is not in the ledger yet (a transfer's end, a stop). */
    synchronized void save() {
        savedAt = nanos.getAsLong();
        for (Account a : accounts.values()) {
            if (a.unsaved == 0 && a.alerted == a.savedAlerted) {
                continue;
            }
            try {
                ledger.budgets().add(upstream, a.period, a.startsAt, a.unsaved, 0, a.alerted);
                a.unsaved = 0;
                a.savedAlerted = a.alerted;
            } catch (LedgerException e) {
                LOG.log(System.Logger.Level.WARNING, "upstream {0}: cannot record the {1} budget used ({2} bytes kept"
                        + " to record later): {3}", upstream, a.period, a.unsaved, e.getMessage());
            }
        }
    }

    /**
     * Adds {@code bytes} to the current {@code period}'s budget ({@code day} or {@code month}), recorded at once.
     *
     * @return the period's state after it
     * @throws IllegalArgumentException when this upstream has no such budget
     */
    BudgetState raise(String period, long bytes) throws LedgerException {
        BudgetState after;
        synchronized (this) {
            current();
            Account a = accounts.get(period);
            if (a == null) {
                throw new IllegalArgumentException("upstream " + upstream + " has no " + (period.equals("day")
                        ? "daily" : "monthly") + " budget" + (accounts.isEmpty() ? "" : "; it has: "
                        + String.join(", ", accounts.keySet())));
            }
            if (bytes > BudgetSettings.MAX_BYTES - a.allowed()) {
                throw new IllegalArgumentException("the " + period + " budget of " + upstream + " would exceed 1PiB;"
                        + " it is " + a.allowed() + " bytes now");
            }
            ledger.budgets().add(upstream, a.period, a.startsAt, 0, bytes, a.alerted);
            a.raised += bytes;
            a.blocked = false;
            if (a.level() < a.alerted) {
                a.alerted = a.level(); // raised below a level: it may alarm again in this period
            }
            save();
            after = state(a);
        }
        return after;
    }

    /**
     * A due delivery waits because it does not fit in what is left: the period with the least left counts as
     * exhausted (its alarm goes out once), though not every byte of it was sent.
     */
    void blocked() {
        List<AgentEvent> alarms;
        synchronized (this) {
            current();
            accounts.values().stream().min(java.util.Comparator.comparingLong(a -> a.allowed() - a.used))
                    .ifPresent(a -> a.blocked = true);
            alarms = alarms();
            if (!alarms.isEmpty()) {
                save();
            }
        }
        alarms.forEach(events::publish);
    }

    /**
     * Why a file of {@code size} bytes waits: the period with the least left, and whether it would fit in that
     * period's whole budget at all.
     */
    synchronized Optional<String> whyWaiting(long size) {
        current();
        return accounts.values().stream().min(java.util.Comparator.comparingLong(a -> a.allowed() - a.used))
                .map(a -> size >= a.allowed()
                        ? "larger than the whole " + a.period + " budget of " + upstream + " (" + a.allowed()
                                + " bytes): it waits until the budget command raises that, or budget-exempt takes it"
                        : "waits for the " + a.period + " budget of " + upstream + ": " + size + " bytes, "
                                + Math.max(0, a.allowed() - a.used - reserved) + " left until " + a.resetsAt);
    }

    /** When the next period begins, if any budget is set (waiting deliveries may go then). */
    synchronized Optional<Instant> nextReset() {
        current();
        return accounts.values().stream().map(a -> a.resetsAt).min(Instant::compareTo);
    }

    synchronized List<BudgetState> state() {
        current();
        return accounts.values().stream().map(this::state).toList();
    }

    private BudgetState state(Account a) {
        int level = a.level();
        return new BudgetState(a.period, a.limit, a.raised, a.used, Math.max(0, a.allowed() - a.used),
                a.startsAt.toString(), a.resetsAt.toString(), level == 100 ? "exhausted" : level == 80 ? "warning" : "ok");
    }

    /**
     * Moves each account to the period the clock is in, saving the last one's count (alarms are looked for
     * when bytes are counted).
     */
    private void current() {
        ZonedDateTime now = clock.instant().atZone(zone);
        account("day", settings.daily(), dayStart(now), now);
        account("month", settings.monthly(), monthStart(now), now);
    }

    private void account(String period, long limit, ZonedDateTime start, ZonedDateTime now) {
        Account a = accounts.get(period);
        if (limit <= 0) {
            accounts.remove(period);
            return;
        }
        if (a != null && a.startsAt.equals(start.toInstant())) {
            return;
        }
        if (a != null && a.unsaved > 0) {
            save(); // what the last period sent is counted in it
        }
        Budgets.Usage usage;
        try {
            usage = ledger.budgets().usage(upstream, period, start.toInstant());
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.WARNING, "upstream {0}: cannot read the {1} budget; counting from 0 until"
                    + " the ledger answers: {2}", upstream, period, e.getMessage());
            usage = Budgets.Usage.NONE;
        }
        ZonedDateTime next = period.equals("day") ? dayStart(now.plusDays(1)) : monthStart(now.plusMonths(1));
        accounts.put(period, new Account(period, start.toInstant(), next.toInstant(), limit, usage));
    }

    private List<AgentEvent> alarms() {
        List<AgentEvent> alarms = new ArrayList<>();
        Instant at = clock.instant();
        for (Account a : accounts.values()) {
            int level = a.level();
            boolean mostUsed = a.used * 10 >= a.allowed() * 8;
            for (int step : new int[] {80, 100}) {
                // a due file that does not fit exhausts the period without 80% of it used: no warning then
                if (a.alerted < step && level >= step && (step == 100 || mostUsed)) {
                    String name = step == 100 ? "exhausted" : "warning";
                    alarms.add(new AgentEvent.BudgetAlarm("", upstream, a.period, name, a.used, a.allowed(), a.resetsAt,
                            at));
                    LOG.log(step == 100 ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                            "upstream {0}: {1} of the {2} budget''s {3} bytes used ({4}){5}", upstream, a.used, a.period,
                            a.allowed(), name, step == 100 ? "; deliveries wait (budget-exempt files go) until "
                                    + a.resetsAt + " or the budget command raises it" : "");
                }
            }
            a.alerted = Math.max(a.alerted, level);
        }
        return alarms;
    }

    /** The day period {@code t} is in: it began at the reset time today, or yesterday if that is still to come. */
    private ZonedDateTime dayStart(ZonedDateTime t) {
        ZonedDateTime start = t.toLocalDate().atTime(settings.resetTime()).atZone(t.getZone());
        return start.isAfter(t) ? t.toLocalDate().minusDays(1).atTime(settings.resetTime()).atZone(t.getZone()) : start;
    }

    private ZonedDateTime monthStart(ZonedDateTime t) {
        LocalDate day = t.toLocalDate().withDayOfMonth(settings.resetDay());
        ZonedDateTime start = day.atTime(settings.resetTime()).atZone(t.getZone());
        return start.isAfter(t) ? day.minusMonths(1).atTime(settings.resetTime()).atZone(t.getZone()) : start;
    }
}
