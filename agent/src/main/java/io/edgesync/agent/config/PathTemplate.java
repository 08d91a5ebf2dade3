package io.edgesync.agent.config;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a file goes under an upstream's folder ({@code upstreams[].path}), e.g.
 * {@code "{agent}/{user}/{received:yyyy/MM/dd}/{path}"}. Placeholders: {@code {path}} (the file's spool path,
 * folders included), {@code {dir}} (its folder, may be empty), {@code {name}} (its file name), {@code {user}}
 * (the device account that sent it), {@code {agent}} ({@code agent.id}), {@code {received:PATTERN}} (when it was
 * received, in {@code sync.time-zone}, a {@link DateTimeFormatter} pattern). Empty folders collapse. A file's
 * expansion is made once, when it is received, and kept in the ledger: a retry after midnight lands in the same
 * folder. Immutable.
 */
public final class PathTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)(?::([^{}]*))?}");
    private static final List<String> NAMES = List.of("path", "dir", "name", "user", "agent", "received");
    /** The file's own spool path: the default. */
    public static final PathTemplate SPOOL_PATH = parse("path", "{path}");

    private final String text;
    private final List<Object> parts; // String literals, Field values

    private record Field(String name, Optional<DateTimeFormatter> format) {
    }

    private PathTemplate(String text, List<Object> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
    }

    /** @throws ConfigException naming {@code key} when {@code text} is not a valid template */
    public static PathTemplate parse(String key, String text) {
        String fix = "allowed: folders and placeholders {path}, {dir}, {name}, {user}, {agent},"
                + " {received:yyyy/MM/dd}, ending in the file's name, e.g. \"{agent}/{user}/{received:yyyy/MM/dd}/{path}\"";
        if (text == null || text.isBlank()) {
            throw ConfigException.of(key, text, fix);
        }
        List<Object> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int at = 0;
        while (m.find()) {
            parts.add(literal(key, text, text.substring(at, m.start()), fix));
            String name = m.group(1);
            if (!NAMES.contains(name)) {
                throw ConfigException.of(key, text, "unknown placeholder {" + name + "}; " + fix);
            }
            Optional<DateTimeFormatter> format = Optional.empty();
            if (name.equals("received")) {
                if (m.group(2) == null || m.group(2).isBlank()) {
                    throw ConfigException.of(key, text, "{received} needs a date pattern, e.g. {received:yyyy/MM/dd}");
                }
                try {
                    format = Optional.of(DateTimeFormatter.ofPattern(m.group(2)));
                    String sample = format.get().format(java.time.ZonedDateTime.now(ZoneId.of("UTC")));
                    if (sample.contains("..")) {
                        throw new IllegalArgumentException("it makes '..'");
                    }
                } catch (RuntimeException e) {
                    throw ConfigException.of(key, text, "{received:" + m.group(2) + "} is not a date pattern ("
                            + e.getMessage() + "); e.g. {received:yyyy/MM/dd} or {received:yyyy-MM-dd_HH}");
                }
            } else if (m.group(2) != null) {
                throw ConfigException.of(key, text, "{" + name + "} takes no pattern; only {received:...} does");
            }
            parts.add(new Field(name, format));
            at = m.end();
        }
        parts.add(literal(key, text, text.substring(at), fix));
        parts.removeIf(p -> p instanceof String s && s.isEmpty());
        if (!(parts.get(parts.size() - 1) instanceof Field last)
                || !(last.name().equals("path") || last.name().equals("name"))) {
            throw ConfigException.of(key, text, "it must end with {path} or {name}, so that each file keeps a name"
                    + " of its own; " + fix);
        }
        return new PathTemplate(text, parts);
    }

    private static String literal(String key, String text, String literal, String fix) {
        if (literal.contains("{") || literal.contains("}")) {
            throw ConfigException.of(key, text, "a brace outside a placeholder; " + fix);
        }
        for (String segment : literal.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                throw ConfigException.of(key, text, "'" + segment + "' folders are not allowed; " + fix);
            }
        }
        if (literal.contains("\\") || literal.chars().anyMatch(c -> c < 0x20)) {
            throw ConfigException.of(key, text, "backslashes and control characters are not allowed; " + fix);
        }
        return literal;
    }

    /** Whether it is the default: the spool path itself. */
    public boolean isSpoolPath() {
        return parts.size() == 1 && parts.get(0) instanceof Field f && f.name().equals("path");
    }

    /**
     * The upstream path (relative to the upstream's folder) of the file at {@code spoolPath}, e.g.
     * {@code gw-7/cam1/2026/12/03/gate/a.jpg}.
     */
    public String expand(String spoolPath, String user, String agent, Instant received, ZoneId zone) {
        StringBuilder out = new StringBuilder();
        int slash = spoolPath.lastIndexOf('/');
        for (Object part : parts) {
            if (part instanceof String s) {
                out.append(s);
                continue;
            }
            Field f = (Field) part;
            out.append(switch (f.name()) {
                case "path" -> spoolPath;
                case "dir" -> slash < 0 ? "" : spoolPath.substring(0, slash);
                case "name" -> spoolPath.substring(slash + 1);
                case "user" -> safe(user);
                case "agent" -> safe(agent);
                default -> safe(f.format().orElseThrow().format(received.atZone(zone)));
            });
        }
        // empty folders collapse ({dir} of a file at the top), no leading slash
        StringBuilder path = new StringBuilder();
        for (String segment : out.toString().split("/")) {
            if (!segment.isEmpty()) {
                path.append(path.isEmpty() ? "" : "/").append(segment);
            }
        }
        return path.toString();
    }

    /** A value that must not add folders of its own beyond what the template says ('..' cannot appear). */
    private static String safe(String value) {
        return value.replace("..", "__").replace("\\", "_");
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathTemplate t && t.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
