package io.edgesync.agent.ledger;

import java.util.Locale;
import java.util.Optional;

/**
 * Where one (file, upstream) delivery stands; its {@link #label()} is the ledger's {@code deliveries.state}
 * column and the word the status, the queue command and the SITE commands show.
 */
public enum DeliveryStatus {
    /** waiting, maybe until its next attempt is due */
    PENDING,
    /** a worker has it */
    ACTIVE,
    DELIVERED,
    /** given up until an operator retries it */
    PARKED,
    /** a newer upload of the same path is delivered instead, or the device withdrew the file */
    SUPERSEDED,
    /** held back by a delivery rule while the rule's preferred upstreams take the file */
    STANDBY,
    /** not owed any more: the file's delivery rule was met by other upstreams */
    WITHDRAWN;

    /** The lower-case word stored and shown, e.g. {@code parked}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Still owed to the upstream: pending, active or parked (or held back by a delivery rule). */
    public boolean owed() {
        return this == PENDING || this == ACTIVE || this == PARKED || this == STANDBY;
    }

    /** The state a label names, e.g. from the {@code queue} command's {@code state} argument. */
    public static Optional<DeliveryStatus> parse(String label) {
        for (DeliveryStatus s : values()) {
            if (s.label().equals(label)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** A state read from the ledger, which only ever stores these labels. */
    static DeliveryStatus of(String column) {
        return parse(column).orElseThrow(() -> new IllegalStateException("unknown delivery state in the ledger: "
                + column));
    }
}
