package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Failed logins per client address, across connections (FtpServer only counts them per connection). After
 * a failure the address waits {@code ftp.login.delay}, doubling per failure, before its next attempt is
 * even checked; after {@code ftp.login.max-failures} it is banned for {@code ftp.login.ban}. Times are on the
 * monotonic clock: a wall clock stepped by NTP neither stretches a delay nor ends a ban. Thread-safe.
 *
 * <p>Admission and counting are one step: an attempt being checked counts as a failure until it is known
 * ({@link #admit}), so parallel connections cannot have more passwords checked than the limit allows. A
 * further attempt that would exceed it waits (up to {@link #ADMIT_WAIT}) for those being checked, instead of
 * being refused: a device that logs in on eight connections at once with the right password is not held
 * up. A ban in force is never shortened or lifted, by a new failure or by forgetting addresses.
 */
final class LoginGuard {
    /**
     * Addresses tracked at most before the stalest are forgotten (a flood of addresses cannot grow the heap).
     * Banned addresses and those with a check running are never forgotten, so the table can exceed this
     * by the addresses banned within one ban time.
     */
    static final int MAX_ADDRESSES = 10_000;
    static final Duration ADMIT_WAIT = Duration.ofSeconds(5);
    private static final Duration MAX_DELAY = Duration.ofSeconds(60);

    /** What to do with a login attempt from one address. */
    sealed interface Decision {
        record Allowed() implements Decision {
        }

        record TooSoon(Duration retryIn) implements Decision {
        }

        record Banned(Duration left) implements Decision {
        }
    }

    /**
     * Times are {@link System#nanoTime()} readings; {@code bannedUntil} is 0 when not banned; {@code checking}
     * counts attempts admitted and not concluded yet.
     */
    private record Failures(int count, long last, long bannedUntil, int checking) {
        boolean banned() {
            return bannedUntil != 0;
        }

        boolean bannedAt(long now) {
            return bannedUntil != 0 && now - bannedUntil < 0;
        }
    }

    private final FtpSettings.LoginLimits limits;
    private final Map<String, Failures> byAddress = new HashMap<>(); // guarded by this
    private final Counter failures;
    private final Counter bans;
    private final Counter refused;

    LoginGuard(FtpSettings.LoginLimits limits, MeterRegistry registry) {
        this.limits = limits;
        this.failures = Counter.builder("edgesync.ftp.login.failures")
                .description("Failed FTP logins (wrong password or unknown user)").register(registry);
        this.bans = Counter.builder("edgesync.ftp.login.bans")
                .description("Client addresses banned after too many failed logins").register(registry);
        this.refused = Counter.builder("edgesync.ftp.login.refused")
                .description("Login attempts refused unchecked: too soon after a failure, or banned").register(registry);
    }

    /**
     * Whether an attempt from {@code address} may be checked now. {@link Decision.Allowed} counts it as
     * being checked: the caller must conclude it with exactly one of {@link #succeeded}, {@link #failed} or
     * {@link #abandoned}.
     */
    synchronized Decision admit(String address) throws InterruptedException {
        long deadline = System.nanoTime() + ADMIT_WAIT.toNanos();
        while (true) {
            long now = System.nanoTime();
            Failures f = byAddress.get(address);
            if (f != null && f.banned() && !f.bannedAt(now) && f.checking() == 0) {
                byAddress.remove(address); // the ban is served: a clean slate
                f = null;
            } else if (f != null && f.banned() && !f.bannedAt(now)) {
                f = new Failures(0, f.last(), 0, f.checking());
                byAddress.put(address, f);
            }
            if (f != null && f.bannedAt(now)) {
                refused.increment();
                return new Decision.Banned(Duration.ofNanos(f.bannedUntil() - now));
            }
            int count = f == null || expired(f, now) ? 0 : f.count();
            if (count > 0) {
                long allowedAt = f.last() + delayAfter(count).toNanos();
                if (now - allowedAt < 0) {
                    refused.increment();
                    return new Decision.TooSoon(Duration.ofNanos(allowedAt - now));
                }
            }
            int checking = f == null ? 0 : f.checking();
            if (count + checking < limits.maxFailures()) {
                byAddress.put(address, new Failures(count, f == null ? now : f.last(), 0, checking + 1));
                if (byAddress.size() > MAX_ADDRESSES) {
                    forgetStalest(now);
                }
                return new Decision.Allowed();
            }
            long left = deadline - now;
            if (left <= 0) { // the checks in the way take that long: come back later
                refused.increment();
                return new Decision.TooSoon(Duration.ofSeconds(1));
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** @return true when this failure banned the address */
    synchronized boolean failed(String address) {
        failures.increment();
        long now = System.nanoTime();
        Failures old = byAddress.get(address);
        int checking = old == null ? 0 : Math.max(0, old.checking() - 1);
        notifyAll();
        if (old != null && old.bannedAt(now)) {
            byAddress.put(address, new Failures(old.count(), old.last(), old.bannedUntil(), checking));
            return true; // a ban in force is never shortened by a new failure
        }
        int count = (old == null || old.banned() || expired(old, now)) ? 1 : old.count() + 1;
        boolean ban = count >= limits.maxFailures();
        byAddress.put(address, new Failures(count, now, ban ? now + limits.ban().toNanos() : 0, checking));
        if (ban) {
            bans.increment();
        }
        return ban;
    }

    synchronized void succeeded(String address) {
        conclude(address, true);
    }

    /** An admitted attempt that ended neither way (the connection closed, the server refused the session). */
    synchronized void abandoned(String address) {
        conclude(address, false);
    }

    private void conclude(String address, boolean clean) {
        Failures old = byAddress.get(address);
        notifyAll();
        if (old == null) {
            return;
        }
        int checking = Math.max(0, old.checking() - 1);
        if (old.bannedAt(System.nanoTime())) {
            byAddress.put(address, new Failures(old.count(), old.last(), old.bannedUntil(), checking));
        } else if (checking == 0 && (clean || old.count() == 0)) {
            byAddress.remove(address);
        } else {
            byAddress.put(address, new Failures(clean ? 0 : old.count(), old.last(), 0, checking));
        }
    }

    /** Failures older than a ban are forgotten: a device that mistyped once last week starts clean. */
    private boolean expired(Failures f, long now) {
        return now - (f.last() + limits.ban().toNanos()) > 0;
    }

    private Duration delayAfter(int count) {
        Duration d = limits.delay().multipliedBy(1L << Math.min(count - 1, 16));
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    /** Forgets what can be forgotten, stalest first: never a ban in force, never an address being checked. */
    private void forgetStalest(long now) {
        byAddress.values().removeIf(f -> !f.bannedAt(now) && f.checking() == 0 && expired(f, now));
        if (byAddress.size() <= MAX_ADDRESSES) {
            return;
        }
        byAddress.entrySet().stream()
                .filter(e -> !e.getValue().bannedAt(now) && e.getValue().checking() == 0)
                .sorted(Map.Entry.comparingByValue((a, b) -> Long.compare(a.last() - now, b.last() - now)))
                .limit(byAddress.size() - MAX_ADDRESSES * 9L / 10) // a tenth at a time: not a sort per new address
                .map(Map.Entry::getKey)
                .toList()
                .forEach(byAddress::remove);
    }
}
