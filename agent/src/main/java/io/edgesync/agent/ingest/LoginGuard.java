package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address, across connections (FtpServer only counts them per connection). After
 * a failure the address waits {@code ftp.login.delay}, doubling per failure, before its next attempt is
 * even checked; after {@code ftp.login.max-failures} it is banned for {@code ftp.login.ban}. Nothing here
 * sleeps: an attempt too early is answered at once, without looking at the password. Times are on the
 * monotonic clock: a wall clock stepped by NTP neither stretches a delay nor ends a ban. Thread-safe.
 */
final class LoginGuard {
    /** Addresses tracked at most; the stalest are forgotten first (a flood of addresses cannot grow the heap). */
    static final int MAX_ADDRESSES = 10_000;
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

    /** Times are {@link System#nanoTime()} readings; {@code bannedUntil} is 0 when not banned. */
    private record Failures(int count, long last, long bannedUntil) {
        boolean banned() {
            return bannedUntil != 0;
        }
    }

    private final FtpSettings.LoginLimits limits;
    private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();
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

    Decision check(String address) {
        Failures f = byAddress.get(address);
        if (f == null) {
            return new Decision.Allowed();
        }
        long now = System.nanoTime();
        if (f.banned()) {
            if (now - f.bannedUntil() < 0) {
                refused.increment();
                return new Decision.Banned(Duration.ofNanos(f.bannedUntil() - now));
            }
            byAddress.remove(address, f); // the ban is served: a clean slate
            return new Decision.Allowed();
        }
        long allowedAt = f.last() + delayAfter(f.count()).toNanos();
        if (now - allowedAt < 0) {
            refused.increment();
            return new Decision.TooSoon(Duration.ofNanos(allowedAt - now));
        }
        return new Decision.Allowed();
    }

    /** @return true when this failure banned the address */
    boolean failed(String address) {
        failures.increment();
        long now = System.nanoTime();
        Failures f = byAddress.compute(address, (a, old) -> {
            if (old != null && old.banned() && now - old.bannedUntil() < 0) {
                return old; // a ban in force is never shortened by a new failure
            }
            int count = (old == null || old.banned() || expired(old, now)) ? 1 : old.count() + 1;
            return new Failures(count, now, count >= limits.maxFailures() ? now + limits.ban().toNanos() : 0);
        });
        if (byAddress.size() > MAX_ADDRESSES) {
            forgetStalest();
        }
        if (f.banned() && f.last() == now) {
            bans.increment();
            return true;
        }
        return f.banned();
    }

    void succeeded(String address) {
        byAddress.remove(address);
    }

    /** Failures older than a ban are forgotten: a device that mistyped once last week starts clean. */
    private boolean expired(Failures f, long now) {
        return now - (f.last() + limits.ban().toNanos()) > 0;
    }

    private Duration delayAfter(int count) {
        Duration d = limits.delay().multipliedBy(1L << Math.min(count - 1, 16));
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    private void forgetStalest() {
        long now = System.nanoTime();
        byAddress.entrySet().removeIf(e -> !e.getValue().banned() && expired(e.getValue(), now));
        while (byAddress.size() > MAX_ADDRESSES) {
            byAddress.entrySet().stream().filter(e -> !e.getValue().banned())
                    .min(Map.Entry.comparingByValue((a, b) -> Long.compare(a.last() - now, b.last() - now)))
                    .ifPresentOrElse(e -> byAddress.remove(e.getKey()), () -> byAddress.clear());
        }
    }
}
