package io.edgesync.agent.sync;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Delivery;
import io.edgesync.agent.sync.ftp.UpstreamException;
import io.edgesync.agent.sync.ftp.UpstreamException.Reason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/** What a failed attempt leads to, without a server: every branch of {@link RetryPolicy}. */
class RetryPolicyTest {
    private static final Instant RECEIVED = Instant.parse("2026-12-03T10:00:00Z");
    private static final Optional<String> TEMP = Optional.of("in/.edgesync-7.part");
    /** The top of each jitter range: delays are exact. */
    private static final RandomGenerator HIGHEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            return Long.MAX_VALUE;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };
    private final RetryPolicy policy = new RetryPolicy(new AgentConfig.Sync(Duration.ofSeconds(2), Duration.ofMinutes(5),
            3, Duration.ofHours(1), 8 << 20));

    private static Delivery delivery(int attempt) {
        return new Delivery(7, 3, "hq", "cam/a.jpg", 100, "ab", attempt, RECEIVED, TEMP, Optional.empty());
    }

    private Outcome after(Reason reason, int attempt, Instant now, int upstreamFailures) {
        return policy.afterFailure(delivery(attempt), new UpstreamException(reason, reason.label() + " failed"), TEMP,
                now, Duration.ZERO, upstreamFailures, HIGHEST);
    }

    @Test
    void aRefusalThatTryingAgainCannotHelpIsParkedAndAReplacedFileWithdrawn() {
        assertThat(after(Reason.REFUSED, 1, RECEIVED, 0))
                .isEqualTo(new Outcome.Parked("refused", "refused failed", TEMP));
        assertThat(after(Reason.LOCAL, 1, RECEIVED, 0)).isInstanceOf(Outcome.Parked.class);
        assertThat(after(Reason.WITHDRAWN, 1, RECEIVED, 0))
                .isEqualTo(new Outcome.Withdrawn("withdrawn failed", TEMP));
    }

    @Test
    void aFileOfItsOwnBacksOffByItsAttemptsUntilMaxAttemptsParksIt() {
        Instant now = RECEIVED.plusSeconds(60);
        assertThat(after(Reason.TRANSFER, 1, now, 0))
                .isEqualTo(new Outcome.RetryLater("transfer", "transfer failed", now.plusSeconds(2), false, TEMP));
        assertThat(after(Reason.VERIFY, 2, now, 0))
                .isEqualTo(new Outcome.RetryLater("verify", "verify failed", now.plusSeconds(4), false, TEMP));
        assertThat(after(Reason.TRANSFER, 3, now, 0)).isEqualTo(new Outcome.Parked("max-attempts",
                "gave up after 3 attempts; last: transfer failed", TEMP));
    }

    @Test
    void anUpstreamWideFailureBacksOffByTheUpstreamsFailuresAndNeverCountsAgainstTheFile() {
        Instant now = RECEIVED.plusSeconds(60);
        Outcome first = after(Reason.CONNECT, 1, now, 0);
        assertThat(first).isEqualTo(new Outcome.RetryLater("connect", "connect failed", now.plusSeconds(2), true, TEMP));
        assertThat(after(Reason.LOGIN, 1, now, 3)).isEqualTo(
                new Outcome.RetryLater("login", "login failed", now.plusSeconds(16), true, TEMP));
        assertThat(after(Reason.TIMEOUT, 50, now, 20)).as("max-attempts counts the file's own failures only")
                .isEqualTo(new Outcome.RetryLater("timeout", "timeout failed", now.plus(Duration.ofMinutes(5)), true, TEMP));
    }

    @Test
    void maxAgeParksAnOldFileButAClockJumpedForwardDoesNotAgeIt() {
        Instant late = RECEIVED.plus(Duration.ofHours(2));
        assertThat(after(Reason.CONNECT, 1, late, 0)).isEqualTo(new Outcome.Parked("max-age",
                "older than sync.max-age (PT1H); last: connect failed", TEMP));
        Outcome jumped = policy.afterFailure(delivery(1), new UpstreamException(Reason.CONNECT, "connect failed"), TEMP,
                late, Duration.ofHours(2), 0, HIGHEST);
        assertThat(jumped).isInstanceOf(Outcome.RetryLater.class);
    }
}
