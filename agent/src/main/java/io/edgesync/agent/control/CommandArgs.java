package io.edgesync.agent.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/** A request's arguments, already checked against the command's {@link Command.Param}s. */
public final class CommandArgs {
    private final JsonNode fields;

    CommandArgs(JsonNode fields) {
        this.fields = fields;
    }

    public Optional<String> string(String name) {
        JsonNode n = fields.get(name);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
    }

    public String requiredString(String name) {
        return string(name).orElseThrow();
    }

    public Optional<Long> integer(String name) {
        JsonNode n = fields.get(name);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asLong());
    }

    /** An optional integer within {@code [min, max]}, or {@code fallback} when absent. */
    public int integer(String name, int fallback, int min, int max) throws CommandException {
        Optional<Long> v = integer(name);
        if (v.isEmpty()) {
            return fallback;
        }
        if (v.get() < min || v.get() > max) {
            throw CommandException.badArguments("'" + name + "' must be between " + min + " and " + max
                    + ", not " + v.get());
        }
        return v.get().intValue();
    }
}
