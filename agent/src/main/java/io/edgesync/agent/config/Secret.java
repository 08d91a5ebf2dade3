package io.edgesync.agent.config;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;

/**
 * A password or token from the configuration. Its {@link #toString()} never shows the value, so a
 * secret can sit in a record that gets logged without leaking; call {@link #reveal()} only where the
 * value must go on the wire.
 */
public final class Secret {
    private static final Secret EMPTY = new Secret("");
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return value == null || value.isEmpty() ? EMPTY : new Secret(value);
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
