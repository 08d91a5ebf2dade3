package io.edgesync.agent.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One entry of {@code sync.delivery-rules}: when a file counts as delivered across a group of upstreams. Without
 * a rule a file goes to every upstream that takes it. {@code any-of}: to the first upstream of the list that
 * works (a primary and its backups); {@code k-of}: to {@code k} of them, the first {@code k} that work.
 *
 * <p>An upstream down for {@code failoverAfter} (or paused by an operator) hands what it owes to the next one
 * of the list; it takes its place again once it has been up for {@code failbackAfter}. Once the rule is met
 * for a file, what its other upstreams still owe for it is withdrawn, unless {@code catchUp}: then the first
 * {@code k} upstreams of the list still get it when they return.
 *
 * @param upstreams the group, in order of preference
 * @param k how many of them must have the file (1 for {@code any-of})
 */
public record DeliveryRule(String name, Kind kind, int k, List<String> upstreams, Duration failoverAfter,
                           Duration failbackAfter, boolean catchUp) {

    /** How many upstreams of the group must have a file. */
    public enum Kind {
        ANY_OF, K_OF;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** @throws ConfigException naming the key when {@code text} is neither */
        public static Kind parse(String text) {
            for (Kind kind : values()) {
                if (kind.label().equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT))) {
                    return kind;
                }
            }
            throw ConfigException.of("rule", text, "allowed: any-of (a primary and its backups) or k-of (with k:"
                    + " how many of the upstreams must have each file)");
        }
    }

    public DeliveryRule {
        if (name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw ConfigException.of("name", name,
                    "allowed: 1-32 lower-case letters, digits, '_' or '-' (it is shown in the status and events)");
        }
        upstreams = List.copyOf(upstreams);
        if (upstreams.size() < 2) {
            throw ConfigException.of("upstreams", upstreams, "a rule needs two or more upstreams, by name, the"
                    + " preferred first");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < upstreams.size(); i++) {
            if (!seen.add(upstreams.get(i))) {
                throw ConfigException.of("upstreams." + i, upstreams.get(i), "each upstream once");
            }
        }
        if (kind == Kind.ANY_OF && k != 1) {
            throw ConfigException.of("k", k, "any-of delivers to one upstream: leave k out, or use rule: k-of");
        }
        if (kind == Kind.K_OF && (k < 1 || k >= upstreams.size())) {
            throw ConfigException.of("k", k, "allowed: 1 to " + (upstreams.size() - 1) + " for " + upstreams.size()
                    + " upstreams (every one of them is what happens without a rule)");
        }
        if (failoverAfter.isNegative() || failoverAfter.isZero()) {
            throw ConfigException.of("failover-after", failoverAfter, "allowed: a positive duration, e.g. 2m");
        }
        if (failbackAfter.isNegative()) {
            throw ConfigException.of("failback-after", failbackAfter, "allowed: 0 or a positive duration, e.g. 1m");
        }
    }

    /** How it reads in the status and events: {@code any-of} or {@code 2-of-3}. */
    public String describe() {
        return kind == Kind.ANY_OF ? "any-of" : k + "-of-" + upstreams.size();
    }
}
