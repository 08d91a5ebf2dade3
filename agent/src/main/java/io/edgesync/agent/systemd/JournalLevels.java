package io.edgesync.agent.systemd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Log lines that reach the journal carry their priority: each line of a record (a stack trace's too) starts
 * with {@code <N>} (sd-daemon(3)), which journald takes as the syslog priority when the unit's standard output
 * is its stream ({@code SyslogLevelPrefix=}, on by default). So {@code journalctl -p warning} shows warnings and
 * errors only, and a stack trace stays with its error. Only when standard output is the journal stream
 * ({@code JOURNAL_STREAM} names its device and inode): a terminal or a file keeps plain lines. Uncaught
 * exceptions, which the JVM prints to standard error, go through the log as errors instead.
 */
public final class JournalLevels extends Formatter {
    private final Formatter inner;

    private JournalLevels(Formatter inner) {
        this.inner = inner;
    }

    /** Prefixes the root logger's handlers' lines when standard output is the journal; says whether it did. */
    public static boolean installIfJournal() {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> Logger.getLogger("io.edgesync.agent")
                .log(Level.SEVERE, "uncaught in thread " + thread.getName(), e));
        if (!journalIsStandardOutput(System.getenv())) {
            return false;
        }
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (!(handler.getFormatter() instanceof JournalLevels)) {
                handler.setFormatter(new JournalLevels(handler.getFormatter()));
            }
        }
        return true;
    }

    /** {@code JOURNAL_STREAM=device:inode} is the stream open as file descriptor 1 (systemd.exec(5)). */
    static boolean journalIsStandardOutput(Map<String, String> env) {
        String stream = env.getOrDefault("JOURNAL_STREAM", "");
        int colon = stream.indexOf(':');
        if (colon < 0) {
            return false;
        }
        try {
            Map<String, Object> stat = Files.readAttributes(Path.of("/proc/self/fd/1"), "unix:dev,ino");
            return stream.equals(stat.get("dev") + ":" + stat.get("ino"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The syslog priority of a JUL level: 3 error, 4 warning, 6 info, 7 debug. */
    static int priority(Level level) {
        int value = level.intValue();
        return value >= Level.SEVERE.intValue() ? 3 : value >= Level.WARNING.intValue() ? 4
                : value >= Level.INFO.intValue() ? 6 : 7;
    }

    @Override
    public String format(LogRecord record) {
        return prefixed(inner.format(record), priority(record.getLevel()));
    }

    /** Every line of {@code text} with {@code <priority>} in front. */
    static String prefixed(String text, int priority) {
        if (text.isEmpty()) {
            return text;
        }
        String prefix = "<" + priority + ">";
        StringBuilder out = new StringBuilder(text.length() + 16);
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            int next = end < 0 ? text.length() : end + 1;
            out.append(prefix).append(text, start, next);
            start = next;
        }
        if (out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
        return out.toString();
    }

    @Override
    public String getHead(Handler h) {
        return inner.getHead(h);
    }

    @Override
    public String getTail(Handler h) {
        return inner.getTail(h);
    }
}
