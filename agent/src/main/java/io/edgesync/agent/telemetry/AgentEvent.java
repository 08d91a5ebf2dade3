package io.edgesync.agent.telemetry;

import java.time.Duration;
import java.time.Instant;

/** Something that happened to a file; published to metrics, MQTT and the status API. */
public sealed interface AgentEvent {
    String path();

    Instant at();

    /** A complete upload was made durable and recorded. */
    record FileReceived(String path, long size, String sha256, String user, String clientIp, Instant at)
            implements AgentEvent {
    }

    /** The file is complete under its final name upstream, size verified. */
    record FileDelivered(String path, String upstream, long size, int attempt, Duration took, Instant at)
            implements AgentEvent {
    }

    /** An attempt failed; another is scheduled at {@code nextAttemptAt}. */
    record DeliveryFailed(String path, String upstream, String reason, String error, int attempt,
                          Instant nextAttemptAt, Instant at) implements AgentEvent {
    }

    /** The delivery was given up for now (permanent refusal); an operator may retry it. */
    record DeliveryParked(String path, String upstream, String reason, String error, int attempt, Instant at)
            implements AgentEvent {
    }
}
