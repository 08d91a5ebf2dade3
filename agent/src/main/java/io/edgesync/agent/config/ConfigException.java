package io.edgesync.agent.config;

import java.util.List;

/**
 * The configuration cannot be used. Each problem names the key, the value and what is allowed, so an
 * operator can fix the YAML file (or the environment variable) without reading code.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    /** One problem: {@code key: 'value' is wrong; allowed: ...}. */
    public static ConfigException of(String key, Object value, String allowed) {
        return new ConfigException(List.of(problem(key, value, allowed)));
    }

    static String problem(String key, Object value, String allowed) {
        String shown = value == null ? "(missing)" : "'" + value + "'";
        return key + ": " + shown + " is not valid; " + allowed;
    }

    /** The same problems with their keys placed under {@code prefix} (e.g. {@code upstreams.0}). */
    public ConfigException within(String prefix) {
        return new ConfigException(problems.stream().map(p -> prefix + "." + p).toList());
    }

    public List<String> problems() {
        return problems;
    }
}
