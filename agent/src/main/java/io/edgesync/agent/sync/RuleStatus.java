package io.edgesync.agent.sync;

import java.time.Duration;
import java.util.List;

/**
 * A delivery rule ({@code sync.delivery-rules}) now.
 *
 * @param rule {@code any-of} or {@code 2-of-3}
 * @param serving the upstreams new files go to, preferred first
 * @param failedOver the upstreams that do not count (down for failover-after, or paused)
 */
public record RuleStatus(String name, String rule, List<String> upstreams, List<String> serving,
                         List<String> failedOver, Duration failoverAfter, Duration failbackAfter, boolean catchUp) {
    public RuleStatus {
        upstreams = List.copyOf(upstreams);
        serving = List.copyOf(serving);
        failedOver = List.copyOf(failedOver);
    }
}
