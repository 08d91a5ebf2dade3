package io.edgesync.agent.control;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code log-level} command: sets a logger's level at run time (java.util.logging, where FtpServer,
 * MINA, Paho and Helidon log too). Until the next restart. Thread-safe.
 */
final class LogLevels {
    private static final Map<String, Level> NAMES = Map.of(
            "ERROR", Level.SEVERE, "WARN", Level.WARNING, "WARNING", Level.WARNING, "INFO", Level.INFO,
            "DEBUG", Level.FINE, "TRACE", Level.FINEST, "OFF", Level.OFF, "ALL", Level.ALL);
    /** JUL holds loggers weakly: a level set here lasts as long as this reference. */
    private final Map<String, Logger> changed = new ConcurrentHashMap<>();

    record Change(String logger, String level, String previous) {
    }

    Change set(String name, String levelName) throws CommandException {
        if (!name.equals("root") && !name.matches("[A-Za-z0-9_.$-]{1,200}")) {
            throw CommandException.badArguments("'logger' must be a logger name such as io.edgesync.agent.sync,"
                    + " or root");
        }
        Level level = NAMES.get(levelName.toUpperCase(Locale.ROOT));
        if (level == null) {
            throw CommandException.badArguments("'level' must be one of ERROR, WARN, INFO, DEBUG, TRACE, OFF, ALL");
        }
        Logger logger = changed.computeIfAbsent(name, n -> Logger.getLogger(n.equals("root") ? "" : n));
        String previous = effective(logger);
        logger.setLevel(level);
        if (level.intValue() < Level.INFO.intValue()) {
            for (Handler h : Logger.getLogger("").getHandlers()) {
                if (h.getLevel().intValue() > level.intValue()) {
                    h.setLevel(level); // the handlers must pass what the logger now lets through
                }
            }
        }
        return new Change(name, levelName.toUpperCase(Locale.ROOT), previous);
    }

    private static String effective(Logger logger) {
        for (Logger l = logger; l != null; l = l.getParent()) {
            if (l.getLevel() != null) {
                return l.getLevel().getName();
            }
        }
        return Level.INFO.getName();
    }
}
