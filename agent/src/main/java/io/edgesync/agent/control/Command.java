package io.edgesync.agent.control;

import java.util.List;

/**
 * One command of the registry: its name, what it does, its arguments and its handler. The same command
 * runs for MQTT ({@code <prefix>/<agent>/cmd/<name>}) and HTTP ({@code POST /api/v1/commands/<name>}).
 */
public record Command(String name, String summary, List<Param> params, Handler handler) {

    public Command {
        params = List.copyOf(params);
    }

    /** The argument types a JSON request can carry. */
    public enum Type { STRING, INTEGER }

    /** One argument, a field of the request's JSON object. */
    public record Param(String name, Type type, boolean required, String summary) {
        static Param required(String name, Type type, String summary) {
            return new Param(name, type, true, summary);
        }

        static Param optional(String name, Type type, String summary) {
            return new Param(name, type, false, summary);
        }
    }

    /** Runs the command; its result becomes the reply's {@code result} (serialized as JSON). */
    @FunctionalInterface
    public interface Handler {
        Object run(CommandArgs args) throws Exception;
    }
}
