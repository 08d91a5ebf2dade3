package io.edgesync.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgesync.agent.telemetry.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.edgesync.agent.control.Command.Param.optional;
import static io.edgesync.agent.control.Command.Param.required;
import static org.assertj.core.api.Assertions.assertThat;

/** The registry's contract, the same for MQTT and HTTP: one reply per request, bad input named, ids deduplicated. */
class CommandRegistryTest {
    private final AtomicInteger runs = new AtomicInteger();
    private final CommandRegistry registry = new CommandRegistry("agent-7", List.of(
            new Command("count", "counts its runs", List.of(optional("by", Command.Type.INTEGER, "step")),
                    args -> Map.of("runs", runs.addAndGet(args.integer("by").orElse(1L).intValue()))),
            new Command("echo", "echoes", List.of(required("text", Command.Type.STRING, "what to echo")),
                    args -> Map.of("text", args.requiredString("text"))),
            new Command("fail", "fails", List.of(), args -> {
                throw new IllegalStateException("boom");
            }),
            new Command("refuse", "refuses", List.of(), args -> {
                throw CommandException.conflict("not now");
            })));

    private JsonNode handle(String name, String payload) throws Exception {
        CommandReply reply = registry.handle(name, payload.getBytes(StandardCharsets.UTF_8));
        JsonNode json = Json.tree(Json.bytes(reply.toJson()));
        assertThat(json.path("agent").asText()).isEqualTo("agent-7");
        assertThat(json.path("command").asText()).isEqualTo(name.length() > 40 ? name.substring(0, 40) + "..." : name);
        return json;
    }

    @Test
    void aRequestRunsItsCommandAndRepliesWithItsIdAndResult() throws Exception {
        JsonNode reply = handle("echo", "{\"id\":\"a1\",\"text\":\"hi\"}");
        assertThat(reply.path("ok").asBoolean()).isTrue();
        assertThat(reply.path("id").asText()).isEqualTo("a1");
        assertThat(reply.path("result").path("text").asText()).isEqualTo("hi");
        assertThat(handle("count", "").path("result").path("runs").asInt()).as("an empty payload is {}").isEqualTo(1);
        assertThat(handle("count", "{\"id\":42}").path("id").asText()).as("a numeric id").isEqualTo("42");
    }

    @Test
    void theSameIdRunsOnceAndGetsTheSameReply() throws Exception {
        JsonNode first = handle("count", "{\"id\":\"x-1\",\"by\":5}");
        JsonNode again = handle("count", "{\"id\":\"x-1\",\"by\":5}");
        assertThat(runs.get()).isEqualTo(5);
        assertThat(again).isEqualTo(first);
        assertThat(handle("count", "{\"id\":\"x-2\"}").path("result").path("runs").asInt()).isEqualTo(6);
        handle("count", "{}");
        handle("count", "{}");
        assertThat(runs.get()).as("without an id every request runs").isEqualTo(8);
    }

    @Test
    void everyBadRequestGetsANamedErrorAndRunsNothing() throws Exception {
        assertError(handle("count", "not json"), "bad-json", "not JSON");
        assertError(handle("count", "[1,2]"), "bad-json", "JSON object");
        assertError(handle("count", "\"text\""), "bad-json", "JSON object");
        assertError(handle("count", "{\"id\":\"1\"} trailing"), "bad-json", "not JSON");
        assertError(handle("nope", "{}"), "unknown-command", "commands: count, echo, fail, refuse");
        assertError(handle("Count/../x", "{}"), "unknown-command", "no command");
        assertError(handle("x".repeat(500), "{}"), "unknown-command", "no command");
        assertError(handle("count", "{\"by\":\"five\"}"), "bad-arguments", "'by' must be a whole number");
        assertError(handle("count", "{\"colour\":1}"), "bad-arguments", "unknown argument 'colour'");
        assertError(handle("echo", "{}"), "bad-arguments", "'text' is required");
        assertError(handle("echo", "{\"text\":7}"), "bad-arguments", "'text' must be a string");
        assertError(handle("echo", "{\"text\":\"" + "y".repeat(2000) + "\"}"), "bad-arguments", "longer than 1024");
        assertError(handle("count", "{\"id\":{\"a\":1}}"), "bad-arguments", "'id' must be");
        assertError(handle("count", "{\"id\":\"a\\n2026-12-03 SEVERE forged\"}"), "bad-arguments", "printable");
        assertError(handle("count", "{\"reply-to\":\"a/+/b\"}"), "bad-arguments", "'reply-to'");
        assertError(handle("count", "{\"x\":\"" + "z".repeat(CommandRegistry.MAX_PAYLOAD) + "\"}"), "too-large",
                "at most 16384");
        assertThat(runs.get()).isZero();
    }

    @Test
    void aCommandThatFailsOrRefusesSaysSoAndTheNextOneRuns() throws Exception {
        assertError(handle("fail", "{}"), "internal", "boom");
        assertError(handle("refuse", "{}"), "conflict", "not now");
        assertThat(registry.handle("refuse", new byte[0]).httpStatus()).isEqualTo(409);
        assertThat(registry.handle("nope", new byte[0]).httpStatus()).isEqualTo(404);
        assertThat(registry.handle("count", "x".getBytes(StandardCharsets.UTF_8)).httpStatus()).isEqualTo(400);
        assertThat(handle("count", "{}").path("ok").asBoolean()).isTrue();
    }

    @Test
    void replyToIsCarriedForMqtt311Tools() {
        CommandReply reply = registry.handle("count", "{\"reply-to\":\"ops/replies\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(reply.replyTo()).contains("ops/replies");
    }

    private static void assertError(JsonNode reply, String code, String message) {
        assertThat(reply.path("ok").asBoolean()).as(reply.toString()).isFalse();
        assertThat(reply.path("error").path("code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.path("error").path("message").asText()).contains(message);
    }
}
