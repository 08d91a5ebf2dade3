package io.edgesync.agent.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A path glob as {@link java.nio.file.FileSystem#getPathMatcher} reads one ({@code *} within a folder,
 * {@code **} across folders, {@code ?}, {@code [a-z]}, {@code [!a-z]}, {@code {a,b}}, {@code \} quoting),
 * matched in time linear in the path's length: the JDK turns a glob into a backtracking regular expression,
 * and {@code *a*a*a*a*b} against a long name takes years there. Matched by RE2/J (finite automata), for globs
 * that come from the network (the {@code resync} command). Immutable.
 */
public final class Glob {
    /** Longest glob taken. */
    public static final int MAX_LENGTH = 1024;
    private final String text;
    private final Pattern pattern;

    private Glob(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    /**
     * @throws IllegalArgumentException naming what is wrong, when {@code glob} is not one
     */
    public static Glob of(String glob) {
        if (glob.isEmpty() || glob.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a glob of 1-" + MAX_LENGTH + " characters is expected");
        }
        try {
            return new Glob(glob, Pattern.compile(regex(glob), Pattern.DOTALL));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(e.getDescription(), e);
        }
    }

    public boolean matches(String path) {
        return pattern.matches(path);
    }

    private static String regex(String glob) {
        StringBuilder regex = new StringBuilder();
        boolean inGroup = false;
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i++);
            switch (c) {
                case '\\' -> {
                    if (i == glob.length()) {
                        throw new IllegalArgumentException("'\\' at the end quotes nothing");
                    }
                    literal(regex, glob.charAt(i++));
                }
                case '/' -> regex.append('/');
                case '[' -> i = charClass(glob, i, regex);
                case '{' -> {
                    if (inGroup) {
                        throw new IllegalArgumentException("'{' groups cannot be nested (at " + (i - 1) + ")");
                    }
                    regex.append("(?:");
                    inGroup = true;
                }
                case '}' -> {
                    if (inGroup) {
                        regex.append(')');
                        inGroup = false;
                    } else {
                        literal(regex, c);
                    }
                }
                case ',' -> regex.append(inGroup ? "|" : ",");
                case '*' -> {
                    if (i < glob.length() && glob.charAt(i) == '*') {
                        regex.append(".*");
                        i++;
                    } else {
                        regex.append("[^/]*");
                    }
                }
                case '?' -> regex.append("[^/]");
                default -> literal(regex, c);
            }
        }
        if (inGroup) {
            throw new IllegalArgumentException("'{' is never closed by '}'");
        }
        return regex.toString();
    }

    /** {@code [...]} from just after '[': appends its regex and returns where the glob goes on. */
    private static int charClass(String glob, int from, StringBuilder regex) {
        int i = from;
        boolean negated = i < glob.length() && (glob.charAt(i) == '!' || glob.charAt(i) == '^');
        if (negated) {
            i++;
        }
        StringBuilder set = new StringBuilder();
        boolean any = false;
        while (i < glob.length() && (glob.charAt(i) != ']' || !any)) {
            char c = glob.charAt(i++);
            if (c == '/') {
                throw new IllegalArgumentException("'/' cannot be in a [...] class (at " + (i - 1) + ")");
            }
            if (c == '-' && any && i < glob.length() && glob.charAt(i) != ']') {
                set.append('-');
            } else {
                classLiteral(set, c);
            }
            any = true;
        }
        if (i == glob.length()) {
            throw new IllegalArgumentException("'[' is never closed by ']'");
        }
        // a class never matches the folder separator, negated or not
        regex.append(negated ? "[^/" : "[").append(set).append(']');
        return i + 1;
    }

    private static void literal(StringBuilder regex, char c) {
        if ("\\.[]{}()<>*+-=!?^$|".indexOf(c) >= 0) {
            regex.append('\\');
        }
        regex.append(c);
    }

    private static void classLiteral(StringBuilder set, char c) {
        if ("\\[]^-&".indexOf(c) >= 0) {
            set.append('\\');
        }
        set.append(c);
    }

    @Override
    public String toString() {
        return text;
    }
}
