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
     * @param rule where the file stands under its delivery rule, if it has one
     * @param fileTime how its time was set upstream (MFMT, SITE UTIME, MDTM), or why not
     * @param mode the mode set upstream, or its refusal; empty when none is set
     * @param upstreamPath where it went under the upstream's folder, when a path template made it
     */
    record FileDelivered(String path, String upstream, long size, int attempt, Duration took, String verifiedBy,
                         long resumedFrom, Instant at, java.util.Optional<RuleState> rule, String fileTime,
                         String mode, java.util.Optional<String> upstreamPath) implements AgentEvent {
        public FileDelivered(String path, String upstream, long size, int attempt, Duration took, String verifiedBy,
                             long resumedFrom, Instant at) {
            this(path, upstream, size, attempt, took, verifiedBy, resumedFrom, at, java.util.Optional.empty(), "off",
                    "", java.util.Optional.empty());
        }
    }

    /**
     * Where a file stands under its delivery rule ({@code sync.delivery-rules}).
     *
     * @param label {@code any-of}, {@code 2-of-3}
     * @param needed how many upstreams must have it
     * @param deliveredTo the upstreams that have it
     */
    record RuleState(String rule, String label, int needed, java.util.List<String> deliveredTo, boolean met) {
        public RuleState {
            deliveredTo = java.util.List.copyOf(deliveredTo);
        }
    }

    /**
     * A delivery rule stopped counting an upstream as working (down for {@code failover-after}, or paused), or
     * counts it again (up for {@code failback-after}): its files go to the next upstream of the rule, or back.
     */
    record Failover(String rule, String upstream, boolean failedOver, String why, Instant at) implements AgentEvent {
        @Override
        public String path() {
            return "";
        }
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

    /**
     * A delivery to {@code upstream} is owed: a new upload ({@code cause} {@code new}), an operator's
     * {@code resync}, or an operator's {@code retry} of a parked delivery.
     */
    record DeliveryQueued(String path, String upstream, String cause, Instant at) implements AgentEvent {
    }

    /** An operator cancelled a delivery; it will not be attempted again. */
    record DeliveryCancelled(String path, String upstream, long deliveryId, Instant at) implements AgentEvent {
    }

    /** A transfer in flight (rate-limited: at most one per transfer every few seconds). */
    record Progress(String path, String upstream, long bytesDone, long bytesTotal, long bytesPerSecond, Instant at)
            implements AgentEvent {
    }

    /**
     * The silence alarm: FTP user {@code user} has not uploaded for its {@code expect-every}
     * ({@code path} is the user's home). Raised once per silence; cleared by the next upload.
     */
    record DeviceSilent(String path, String user, Instant lastUploadAt, Duration expectEvery, Instant at)
            implements AgentEvent {
    }

    /**
     * The data folder's disk stopped taking writes (read-only, I/O errors): uploads are refused and the
     * readiness check is down until it works again. {@code path} is the data folder.
     */
    record StorageFailed(String path, String reason, Instant at) implements AgentEvent {
    }

    /** Writes to the data folder work again after a {@link StorageFailed}. */
    record StorageRecovered(String path, Duration failedFor, Instant at) implements AgentEvent {
    }

    /**
     * A delivery was given up because the device deleted its file or renamed it away, or a newer upload
     * replaced it; its upstream temporary is removed.
     */
    record DeliveryWithdrawn(String path, String upstream, String cause, Instant at) implements AgentEvent {
    }

    /**
     * An upstream's data budget for a period ({@code day} or {@code month}) reached 80% ({@code level}
     * {@code warning}) or all of it ({@code exhausted}: deliveries wait, except {@code budget-exempt} files,
     * until {@code resetsAt} or the {@code budget} command raises it). Once per level and period. {@code path}
     * is empty (no file).
     */
    record BudgetAlarm(String path, String upstream, String period, String level, long usedBytes, long limitBytes,
                       Instant resetsAt, Instant at) implements AgentEvent {
    }
}
