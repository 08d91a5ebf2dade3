package io.edgesync.agent.control;

/**
 * A command that cannot run as asked; becomes an error reply with {@link #code()} and the message. Codes:
 * {@code bad-json}, {@code too-large}, {@code unknown-command}, {@code bad-arguments}, {@code not-found},
 * {@code conflict}, {@code restart-required}, {@code unavailable}, {@code internal}.
 */
public final class CommandException extends Exception {
    private final String code;

    public CommandException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }

    static CommandException badArguments(String message) {
        return new CommandException("bad-arguments", message);
    }

    static CommandException notFound(String message) {
        return new CommandException("not-found", message);
    }

    static CommandException conflict(String message) {
        return new CommandException("conflict", message);
    }
}
