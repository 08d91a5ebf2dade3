package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address, across connections (FtpServer only counts them per connection). After
 * a failure the address waits {@code ftp.login.delay}, doubling per failure, before its next attempt is
 * even checked; after {@code ftp.login.max-failures} it is banned for {@code ftp.login.ban}. Nothing here
 * sleeps: an attempt too early is answered at once, without looking at the password. Thread-safe.
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

    private record Failures(int count, Instant last, Instant bannedUntil) {
    }

    private final FtpSettings.LoginLimits limits;
    private final Clock clock;
    private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();
    private final Counter failures;
    private final Counter bans;
    private final Counter refused;

    LoginGuard(FtpSettings.LoginLimits limits, Clock clock, MeterRegistry registry) {
        this.limits = limits;
        this.clock = clock;
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
        Instant now = clock.instant();
        if (f.bannedUntil() != null) {
            if (now.isBefore(f.bannedUntil())) {
                refused.increment();
                return new Decision.Banned(Duration.between(now, f.bannedUntil()));
            }
            byAddress.remove(address, f); // the ban is served: a clean slate
            return new Decision.Allowed();
        }
        Instant allowedAt = f.last().plus(delayAfter(f.count()));
        if (now.isBefore(allowedAt)) {
            refused.increment();
            return new Decision.TooSoon(Duration.between(now, allowedAt));
        }
        return new Decision.Allowed();
    }

    /** @return true when this failure banned the address */
    boolean failed(String address) {
        failures.increment();
        Instant now = clock.instant();
        Failures f = byAddress.compute(address, (a, old) -> {
            int count = (old == null || old.bannedUntil() != null || expired(old, now)) ? 1 : old.count() + 1;
            return new Failures(count, now, count >= limits.maxFailures() ? now.plus(limits.ban()) : null);
        });
        if (byAddress.size() > MAX_ADDRESSES) {
            forgetStalest();
        }
        if (f.bannedUntil() != null) {
            bans.increment();
            return true;
        }
        return false;
    }

    void succeeded(String address) {
        byAddress.remove(address);
    }

    /** Failures older than a ban are forgotten: a device that mistyped once last week starts clean. */
    private boolean expired(Failures f, Instant now) {
        return f.last().plus(limits.ban()).isBefore(now);
    }

    private Duration delayAfter(int count) {
        Duration d = limits.delay().multipliedBy(1L << Math.min(count - 1, 16));
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    private void forgetStalest() {
        Instant now = clock.instant();
        byAddress.entrySet().removeIf(e -> e.getValue().bannedUntil() == null && expired(e.getValue(), now));
        while (byAddress.size() > MAX_ADDRESSES) {
            byAddress.entrySet().stream().filter(e -> e.getValue().bannedUntil() == null)
                    .min(Map.Entry.comparingByValue((a, b) -> a.last().compareTo(b.last())))
                    .ifPresentOrElse(e -> byAddress.remove(e.getKey()), () -> byAddress.clear());
        }
    }
}
