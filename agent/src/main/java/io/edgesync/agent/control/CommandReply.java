package io.edgesync.agent.control;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The reply to one command, the same on MQTT and HTTP: {@code ok}, the request's {@code id}, the
 * {@code command}, the {@code agent}, and {@code result} or {@code error} ({@code code}, {@code message}).
 *
 * @param replyTo where the request asked its reply to go ({@code reply-to}), for MQTT 3.1.1 tools
 */
public record CommandReply(boolean ok, String id, String command, String agent, Object result, String errorCode,
                           String errorMessage, Optional<String> replyTo) {

    static CommandReply success(String id, String command, String agent, Object result, Optional<String> replyTo) {
        return new CommandReply(true, id, command, agent, result, null, null, replyTo);
    }

    static CommandReply failure(String id, String command, String agent, String code, String message,
                                Optional<String> replyTo) {
        return new CommandReply(false, id, command, agent, null, code, message, replyTo);
    }

    /** The same reply for a repeated request, sent where that request asks. */
    CommandReply withReplyTo(Optional<String> other) {
        return new CommandReply(ok, id, command, agent, result, errorCode, errorMessage, other);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", ok);
        m.put("id", id);
        m.put("command", command);
        m.put("agent", agent);
        if (ok) {
            m.put("result", result);
        } else {
            m.put("error", Map.of("code", errorCode, "message", errorMessage));
        }
        return m;
    }

    /** The HTTP status this reply maps to. */
    public int httpStatus() {
        if (ok) {
            return 200;
        }
        return switch (errorCode) {
            case "bad-json", "bad-arguments" -> 400;
            case "unknown-command", "not-found" -> 404;
            case "conflict", "restart-required", "bad-config" -> 409; // the request is fine, the file is not
            case "too-large" -> 413;
            case "unavailable" -> 503;
            default -> 500;
        };
    }
}
