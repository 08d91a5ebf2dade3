package io.edgesync.agent.sync;

/**
 * One period of an upstream's data budget as the status and the {@code budget} command show it.
 *
 * @param period {@code day} or {@code month}
 * @param limitBytes the configured budget; {@code raisedBytes} more were allowed by the {@code budget} command
 * @param usedBytes bytes on the wire in this period (approximately: see README, Data budgets)
 * @param state {@code ok}, {@code warning} (80% used) or {@code exhausted} (deliveries wait, exempt files go)
 */
public record BudgetState(String period, long limitBytes, long raisedBytes, long usedBytes, long leftBytes,
                          String startedAt, String resetsAt, String state) {
}
