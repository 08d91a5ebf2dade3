package io.edgesync.agent.config;

/**
 * One entry of {@code sync.priorities}: files whose spool path matches {@code glob} go before files of a lower
 * priority (0 when no entry matches; the first entry that matches counts).
 */
public record PriorityRule(String glob, Glob matcher, int priority) {
    public static final int MAX = 1000;

    public PriorityRule {
        if (priority < -MAX || priority > MAX) {
            throw ConfigException.of("priority", priority, "allowed: -" + MAX + " to " + MAX + " (higher goes first;"
                    + " files no entry matches have 0)");
        }
    }

    /** @throws ConfigException when {@code glob} is not one */
    public static PriorityRule of(String glob, int priority) {
        try {
            return new PriorityRule(glob, Glob.of(glob), priority);
        } catch (IllegalArgumentException e) {
            throw ConfigException.of("glob", glob, "allowed: a glob such as alarms/** (" + e.getMessage() + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PriorityRule r && r.glob.equals(glob) && r.priority == priority;
    }

    @Override
    public int hashCode() {
        return glob.hashCode() * 31 + priority;
    }
}
