package io.edgesync.agent.telemetry;

import io.edgesync.agent.config.Secret;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Filter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of the log at every level, whichever library writes the line: a filter on each handler
 * of the root logger (where the agent's, FtpServer's, MINA's, Paho's, Commons Net's and Helidon's records all
 * end) that masks, in the formatted message and in a stack trace:
 * <ul>
 * <li>every configured secret ({@link Secret#known()}: passwords, tokens, keystore passwords);</li>
 * <li>the value of {@code Authorization}, {@code Proxy-Authorization} and {@code Cookie} headers (Helidon
 * dumps request headers at DEBUG; a wrong token is somebody's secret too);</li>
 * <li>the argument of an FTP {@code PASS} command (a device's mistyped password may be another's).</li>
 * </ul>
 * Why a filter: the {@code log-level} command can set any logger to TRACE remotely, and no library promises
 * what it prints there. Thread-safe.
 */
public final class LogRedaction implements Filter {
    private static final String MASK = "****";
    private static final Pattern HEADERS = Pattern.compile(
            "(?i)\\b(authorization|proxy-authorization|cookie)(\"?\\s*[:=]\\s*\\[?)[^\\r\\n\\],}]+");
    /** The rest of the line after PASS is the password; a line that masked it already (****) keeps what follows. */
    private static final Pattern PASS = Pattern.compile("(?i)\\bPASS (?!\\*\\*\\*\\*)[^\\r\\n\"]+");
    /** "PASS " in a hex dump (MINA's buffers print their first bytes as hex), and the bytes after it. */
    private static final Pattern HEX_PASS = Pattern.compile("(?i)50 41 53 53 20(?: [0-9a-f]{2})+");
    private static final SimpleFormatter FORMATTER = new SimpleFormatter();

    private static final java.util.Map<String, Pattern> TOKENS = new java.util.concurrent.ConcurrentHashMap<>();

    private final Filter inner;

    private LogRedaction(Filter inner) {
        this.inner = inner;
    }

    /** Puts the filter on every handler of the root logger (once each). */
    public static void install() {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (!(handler.getFilter() instanceof LogRedaction)) {
                handler.setFilter(new LogRedaction(handler.getFilter()));
            }
        }
    }

    /** {@code text} with every secret masked. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String clean = text;
        for (String secret : Secret.known()) {
            if (clean.contains(secret)) {
                clean = token(secret).matcher(clean).replaceAll(MASK);
            }
        }
        clean = HEADERS.matcher(clean).replaceAll("$1$2" + MASK);
        clean = HEX_PASS.matcher(clean).replaceAll("50 41 53 53 20 " + MASK);
        return PASS.matcher(clean).replaceAll("PASS " + MASK);
    }

    /**
     * A secret where it stands alone, not inside a longer word or number: a password "cam1" must not turn
     * "cam10" into "****0" (and so tell what it is); in "user:cam1@host" or "token=cam1" it is masked.
     */
    private static Pattern token(String secret) {
        return TOKENS.computeIfAbsent(secret, s -> Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(s)
                + "(?![A-Za-z0-9])"));
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (inner != null && !inner.isLoggable(record)) {
            return false;
        }
        String logger = record.getLoggerName();
        if (logger != null && logger.startsWith("org.apache.mina.filter.ssl")
                && record.getLevel().intValue() < java.util.logging.Level.INFO.intValue()) {
            // MINA's TLS handler dumps the decrypted bytes it passes on (a PASS command among them) at DEBUG
            record.setMessage("(MINA TLS trace; decrypted bytes not shown)");
            record.setParameters(null);
            record.setThrown(null);
            return true;
        }
        String message = FORMATTER.formatMessage(record);
        String clean = redact(message);
        if (!clean.equals(message)) {
            record.setMessage(clean);
            record.setParameters(null);
            record.setResourceBundle(null);
        }
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            String cleanTrace = redact(trace.toString());
            if (!cleanTrace.contentEquals(trace.getBuffer())) {
                record.setThrown(null);
                record.setMessage(clean + System.lineSeparator() + cleanTrace);
                record.setParameters(null);
            }
        }
        return true;
    }
}
