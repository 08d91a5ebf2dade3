package io.edgesync.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * What the agent's JSON says, parsed: the status API's body and the messages {@code mosquitto_sub -v} wrote
 * (one {@code topic payload} per line). Tests assert on fields, not on how the JSON happens to be spelled.
 */
final class JsonFacts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFacts() {
    }

    /** One MQTT message whose payload is JSON. */
    record Message(String topic, JsonNode json) {
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** The JSON messages in a {@code mosquitto_sub -v} log, in order; other lines are left out. */
    static List<Message> messages(Path log) {
        try {
            return Files.readAllLines(log).stream().map(JsonFacts::message).flatMap(Optional::stream).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Message> message(String line) {
        int space = line.indexOf(' ');
        if (space < 0 || !line.startsWith("{", space + 1)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Message(line.substring(0, space), JSON.readTree(line.substring(space + 1))));
        } catch (JsonProcessingException notJson) {
            return Optional.empty();
        }
    }

    /** The events ({@code .../events}) in a {@code mosquitto_sub -v} log, in order. */
    static List<JsonNode> events(Path log) {
        return messages(log).stream().filter(m -> m.topic().endsWith("/events")).map(Message::json).toList();
    }

    /** The status messages ({@code .../status}) in a {@code mosquitto_sub -v} log, in order. */
    static List<JsonNode> statuses(Path log) {
        return messages(log).stream().filter(m -> m.topic().endsWith("/status")).map(Message::json).toList();
    }

    /** Whether an event of {@code type} for spool path {@code path} is among {@code events}. */
    static boolean hasEvent(List<JsonNode> events, String type, String path) {
        return events.stream().anyMatch(e -> e.path("type").asText().equals(type) && e.path("path").asText().equals(path));
    }

    static boolean hasEvent(List<JsonNode> events, String type) {
        return events.stream().anyMatch(e -> e.path("type").asText().equals(type));
    }

    /** Whether a status JSON owes nothing to any upstream: every upstream's backlog is 0. */
    static boolean drained(String status) {
        JsonNode upstreams = parse(status).path("upstreams");
        return upstreams.isArray() && !upstreams.isEmpty()
                && StreamSupport.stream(upstreams.spliterator(), false).allMatch(u -> u.path("backlog").asLong(-1) == 0);
    }
}
