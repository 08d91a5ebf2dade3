package io.edgesync.agent.sync;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Delivery;
import io.edgesync.agent.sync.ftp.UpstreamException;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * What a failed attempt leads to, as a pure function of the failure, the delivery and {@code sync.*}:
 * a refusal that trying again cannot help, or a file older than {@code sync.max-age}, or one that failed
 * {@code sync.max-attempts} times (its own failures, not the upstream's), is parked; a file the device
 * replaced or deleted is withdrawn; otherwise it is tried again after a backoff. When the upstream itself
 * failed (connect, login, timeout), the file stays due in its place in line while the whole upstream backs
 * off by its count of failures in a row, so the backlog still drains oldest first when it returns.
 */
record RetryPolicy(AgentConfig.Sync limits, Backoff backoff) {

    RetryPolicy(AgentConfig.Sync limits) {
        this(limits, new Backoff(limits.retryInitial(), limits.retryMax()));
    }

    /**
     * @param jumpedForward how far the wall clock jumped forward since the file was received (not its age)
     * @param upstreamFailures the upstream's failures in a row before this one
     */
    Outcome afterFailure(Delivery delivery, UpstreamException e, Optional<String> temp, Instant now,
                         Duration jumpedForward, int upstreamFailures, RandomGenerator random) {
        if (e.reason() == UpstreamException.Reason.WITHDRAWN) {
            return new Outcome.Withdrawn(e.getMessage(), temp);
        }
        if (e.reason().permanent()) {
            return new Outcome.Parked(e.reason().label(), e.getMessage(), temp);
        }
        Duration age = Duration.between(delivery.receivedAt(), now).minus(jumpedForward);
        if (!limits.maxAge().isZero() && age.compareTo(limits.maxAge()) > 0) {
            return new Outcome.Parked("max-age", "older than sync.max-age (" + limits.maxAge() + "); last: "
                    + e.getMessage(), temp);
        }
        if (e.reason().upstreamWide()) {
            return new Outcome.RetryLater(e.reason().label(), e.getMessage(),
                    now.plus(backoff.delay(upstreamFailures + 1, random)), true, temp);
        }
        if (limits.maxAttempts() > 0 && delivery.attempt() >= limits.maxAttempts()) {
            return new Outcome.Parked("max-attempts", "gave up after " + delivery.attempt() + " attempts; last: "
                    + e.getMessage(), temp);
        }
        return new Outcome.RetryLater(e.reason().label(), e.getMessage(),
                now.plus(backoff.delay(delivery.attempt(), random)), false, temp);
    }
}
