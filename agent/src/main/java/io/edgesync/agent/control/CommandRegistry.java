package io.edgesync.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.telemetry.Json;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The agent's commands, one registry for MQTT and HTTP. A request is a JSON object (an empty payload is
 * {@code {}}): {@code id} (string or number, optional), {@code reply-to} (optional, MQTT), and the command's
 * arguments as further fields. Every request gets exactly one {@link CommandReply}; bad input (not JSON,
 * too large, an unknown command or argument, a wrong type) is an error reply and runs nothing.
 *
 * <p>Idempotent by id: a request whose command and id were seen among the last {@value #REMEMBERED}
 * gets the first run's reply again without running twice (a QoS 1 redelivery, an HTTP client's retry).
 * Thread-safe.
 */
public final class CommandRegistry {
    public static final int MAX_PAYLOAD = 16 * 1024;
    static final int REMEMBERED = 1024;
    private static final System.Logger LOG = System.getLogger(CommandRegistry.class.getName());
    /** Commands that change nothing. */
    private static final Set<String> READS = Set.of("status", "ping", "queue", "transfers", "sessions", "disk");
    /** Refusals and repeats: a flood of bad requests is one line a minute per command and reason. */
    private static final io.edgesync.agent.telemetry.LogThrottle REPEATS =
            new io.edgesync.agent.telemetry.LogThrottle(LOG, java.time.Duration.ofMinutes(1));
    private static final Set<String> ENVELOPE = Set.of("id", "reply-to");

    private final String agentId;
    private final Map<String, Command> commands;
    private final Map<String, CompletableFuture<CommandReply>> seen = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<CommandReply>> eldest) {
            return size() > REMEMBERED;
        }
    }; // guarded by itself

    public CommandRegistry(String agentId, List<Command> commands) {
        this.agentId = agentId;
        this.commands = commands.stream().collect(Collectors.toMap(Command::name, Function.identity(),
                (a, b) -> {
                    throw new IllegalArgumentException("command " + a.name() + " registered twice");
                }, LinkedHashMap::new));
    }

    public Collection<Command> commands() {
        return commands.values();
    }

    /** Parses, checks and runs one request. Never throws: every problem is an error reply. */
    public CommandReply handle(String name, byte[] payload) {
        if (name == null || !name.matches("[a-z][a-z0-9-]{0,31}")) {
            String shown = name == null ? "" : name.length() > 40 ? name.substring(0, 40) + "..." : name;
            return reject(null, shown, "unknown-command", "no command '" + shown + "'; commands: "
                    + String.join(", ", commands.keySet()), Optional.empty());
        }
        if (payload.length > MAX_PAYLOAD) {
            return reject(null, name, "too-large", "the request is " + payload.length + " bytes; at most "
                    + MAX_PAYLOAD + " are read", Optional.empty());
        }
        JsonNode request;
        try {
            request = payload.length == 0 ? Json.tree("{}") : Json.tree(payload);
        } catch (IOException e) {
            return reject(null, name, "bad-json", "the request is not JSON: " + firstLine(e.getMessage()),
                    Optional.empty());
        }
        if (request == null || !request.isObject()) {
            return reject(null, name, "bad-json", "the request must be a JSON object, e.g. {\"id\":\"42\"}",
                    Optional.empty());
        }
        JsonNode idNode = request.get("id");
        JsonNode replyNode = request.get("reply-to");
        Optional<String> replyTo = replyNode != null && replyNode.isTextual() && validTopic(replyNode.asText())
                ? Optional.of(replyNode.asText()) : Optional.empty();
        // printable only: an id is logged, and a line break in it would forge a second log line
        if (idNode != null && !(idNode.isTextual() || idNode.isIntegralNumber()) || idNode != null
                && (idNode.asText().length() > 128 || idNode.asText().chars().anyMatch(Character::isISOControl))) {
            return reject(null, name, "bad-arguments", "'id' must be a string or a whole number of at most 128"
                    + " printable characters", replyTo);
        }
        String id = idNode == null ? null : idNode.asText();
        if (replyNode != null && replyTo.isEmpty()) {
            return reject(id, name, "bad-arguments", "'reply-to' must be a topic without wildcards", Optional.empty());
        }
        Command command = commands.get(name);
        if (command == null) {
            return reject(id, name, "unknown-command", "no command '" + name + "'; commands: "
                    + String.join(", ", commands.keySet()), replyTo);
        }
        if (id == null) {
            return run(command, request, null, replyTo);
        }
        String key = name + "\u0000" + id;
        CompletableFuture<CommandReply> mine = new CompletableFuture<>();
        CompletableFuture<CommandReply> earlier;
        synchronized (seen) {
            earlier = seen.putIfAbsent(key, mine);
        }
        if (earlier != null) {
            REPEATS.log("repeat", System.Logger.Level.INFO, () -> "command " + name + " id " + id
                    + " seen before: its reply is sent again, it does not run twice");
            try {
                return earlier.get().withReplyTo(replyTo); // where this request asks, not where the first did
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return reject(id, name, "unavailable", "interrupted", replyTo);
            } catch (ExecutionException e) {
                return reject(id, name, "internal", String.valueOf(e.getCause()), replyTo);
            }
        }
        CommandReply reply = run(command, request, id, replyTo);
        mine.complete(reply);
        return reply;
    }

    private CommandReply run(Command command, JsonNode request, String id, Optional<String> replyTo) {
        try {
            check(command, request);
            Object result = Json.toTree(command.handler().run(new CommandArgs(request))); // fails here, not at send
            // what changes the agent is logged each time; reads (a dashboard polls them) only at DEBUG
            LOG.log(READS.contains(command.name()) ? System.Logger.Level.DEBUG : System.Logger.Level.INFO,
                    "command {0}{1} done", command.name(), id == null ? "" : " (id " + id + ")");
            return CommandReply.success(id, command.name(), agentId, result, replyTo);
        } catch (CommandException e) {
            REPEATS.log(command.name() + " " + e.code(), System.Logger.Level.WARNING, () -> "command " + command.name()
                    + (id == null ? "" : " (id " + id + ")") + " refused: " + e.code() + ": " + e.getMessage());
            return CommandReply.failure(id, command.name(), agentId, e.code(), e.getMessage(), replyTo);
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.ERROR, "command " + command.name() + ": the ledger failed", e);
            return CommandReply.failure(id, command.name(), agentId, "unavailable",
                    "the ledger cannot be read or written now: " + e.getMessage(), replyTo);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "command " + command.name() + " failed", e);
            return CommandReply.failure(id, command.name(), agentId, "internal", e.toString(), replyTo);
        }
    }

    /** Unknown fields, missing required ones and wrong types, all named at once. */
    private static void check(Command command, JsonNode request) throws CommandException {
        StringBuilder problems = new StringBuilder();
        Map<String, Command.Param> params = command.params().stream()
                .collect(Collectors.toMap(Command.Param::name, Function.identity()));
        request.fieldNames().forEachRemaining(field -> {
            if (!ENVELOPE.contains(field) && !params.containsKey(field)) {
                problems.append("; unknown argument '").append(field).append("'");
            }
        });
        for (Command.Param p : command.params()) {
            JsonNode v = request.get(p.name());
            if (v == null || v.isNull()) {
                if (p.required()) {
                    problems.append("; '").append(p.name()).append("' is required (").append(p.summary()).append(")");
                }
            } else if (p.type() == Command.Type.STRING && !v.isTextual()
                    || p.type() == Command.Type.INTEGER && !v.canConvertToLong()) {
                problems.append("; '").append(p.name()).append("' must be ")
                        .append(p.type() == Command.Type.STRING ? "a string" : "a whole number");
            } else if (p.type() == Command.Type.STRING && v.asText().length() > 1024) {
                problems.append("; '").append(p.name()).append("' is longer than 1024 characters");
            }
        }
        if (!problems.isEmpty()) {
            String allowed = command.params().isEmpty() ? "it takes no arguments"
                    : "arguments: " + command.params().stream().map(p -> p.name() + (p.required() ? "" : "?"))
                    .collect(Collectors.joining(", "));
            throw CommandException.badArguments(problems.substring(2) + " (" + command.name() + ": " + allowed + ")");
        }
    }

    private CommandReply reject(String id, String name, String code, String message, Optional<String> replyTo) {
        REPEATS.log(name + " " + code, System.Logger.Level.WARNING, () -> "command " + name + " refused: " + code
                + ": " + message);
        return CommandReply.failure(id, name, agentId, code, message, replyTo);
    }

    /**
     * The {@code unavailable} reply to a request refused unread for load: with the request's {@code id} and
     * {@code reply-to} when its payload shows them, so that a burst's every request can be matched to a reply.
     */
    public CommandReply unavailable(String name, byte[] payload, String message) {
        String id = null;
        Optional<String> replyTo = Optional.empty();
        if (payload.length > 0 && payload.length <= MAX_PAYLOAD) {
            try {
                JsonNode request = Json.tree(payload);
                JsonNode idNode = request == null ? null : request.get("id");
                if (idNode != null && (idNode.isTextual() || idNode.isIntegralNumber()) && idNode.asText().length() <= 128) {
                    id = idNode.asText();
                }
                JsonNode to = request == null ? null : request.get("reply-to");
                if (to != null && to.isTextual() && validTopic(to.asText())) {
                    replyTo = Optional.of(to.asText());
                }
            } catch (IOException notJson) {
                // the reply goes without them
            }
        }
        return CommandReply.failure(id, name, agentId, "unavailable", message, replyTo);
    }

    private static boolean validTopic(String topic) {
        return !topic.isEmpty() && topic.length() <= 512 && topic.indexOf('#') < 0 && topic.indexOf('+') < 0
                && topic.indexOf('\u0000') < 0;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
