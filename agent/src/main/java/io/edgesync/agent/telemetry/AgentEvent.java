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

    /**
     * The file is complete under its final name upstream.
     *
     * @param verifiedBy {@code sha256} when the upstream hashed it, else {@code size}
     * @param resumedFrom bytes not sent again because an interrupted upload was resumed
     */
    record FileDelivered(String path, String upstream, long size, int attempt, Duration took, String verifiedBy,
                         long resumedFrom, Instant at) implements AgentEvent {
    }

    /** An attempt failed; another is scheduled at {@code nextAttemptAt}. */
    record DeliveryFailed(String path, String upstream, String reason, String error, int attempt,
                          Instant nextAttemptAt, Instant at) implements AgentEvent {
    }

    /** An upload was refused before any byte was stored (e.g. the disk floor); the device may try again. */
    record UploadRefused(String path, String user, String clientIp, int code, String reason, Instant at)
            implements AgentEvent {
    }

    /** Retention deleted the spool copy of a file every upstream has. */
    record SpoolDeleted(String path, long size, String policy, Instant at) implements AgentEvent {
    }

    /** The delivery was given up for now (permanent refusal); an operator may retry it. */
    record DeliveryParked(String path, String upstream, String reason, String error, int attempt, Instant at)
            implements AgentEvent {
    }
}
