package io.edgesync.agent.config;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A password or token from the configuration. Its {@link #toString()} never shows the value, so a
 * secret can sit in a record that gets logged without leaking; call {@link #reveal()} only where the
 * value must go on the wire.
 */
public final class Secret {
    private static final Secret EMPTY = new Secret("");
    /** Shorter values are not masked in logs (they would mask ordinary words); the README says so. */
    static final int MIN_REDACTED = 4;
    private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        if (value == null || value.isEmpty()) {
            return EMPTY;
        }
        if (value.length() >= MIN_REDACTED) {
            KNOWN.add(value);
        }
        return new Secret(value);
    }

    /**
     * Values that are published on purpose (the demo's passwords, printed in the README): not masked in the
     * log, where they would hide ordinary words ("demo", "upstream").
     */
    public static void notSecret(Secret secret) {
        KNOWN.remove(secret.value);
    }

    /**
     * Every secret value read so far (from the configuration, the environment or a reload) of at least
     * {@value #MIN_REDACTED} characters: the log masks each wherever it shows up, whatever library logs it.
     */
    public static Set<String> known() {
        return Collections.unmodifiableSet(KNOWN);
    }

    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** Compares in constant time, so a login's reply time does not tell how much of it matched. */
    public boolean matches(String candidate) {
        byte[] a = value.getBytes(StandardCharsets.UTF_8);
        byte[] b = candidate == null ? new byte[0] : candidate.getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(a, b) && !value.isEmpty();
    }

    @Override
    public String toString() {
        return value.isEmpty() ? "" : "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
