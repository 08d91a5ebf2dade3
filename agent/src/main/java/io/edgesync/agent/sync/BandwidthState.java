package io.edgesync.agent.sync;

/**
 * A bandwidth limit as the status shows it.
 *
 * @param bytesPerSecond the limit now (0 = none)
 * @param limit the same for people: {@code 2 Mbit/s}, {@code off}
 * @param source {@code override} (the {@code bandwidth} command), {@code schedule} (the configuration) or
 *               {@code none}
 * @param schedule the configured schedule as written
 * @param overrideUntil when the override ends (ISO-8601), if one is set
 * @param nextChange when the schedule changes the limit next (within a week), if it does
 */
public record BandwidthState(long bytesPerSecond, String limit, String source, String schedule, String overrideUntil,
                             String nextChange) {
}
