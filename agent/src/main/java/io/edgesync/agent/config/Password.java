package io.edgesync.agent.config;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A device account's password as configured: a salted PBKDF2-HMAC-SHA256 hash
 * ({@code pbkdf2-sha256$ITERATIONS$SALT$HASH}, base64; made by {@code edgesync-agent hash-password}), or,
 * accepted with a warning at start, plain text. Neither shows its value in {@link #toString()}.
 */
public sealed interface Password permits Password.Plain, Password.Pbkdf2 {
    String PREFIX = "pbkdf2-sha256$";
    int DEFAULT_ITERATIONS = 100_000;

    /** Whether {@code candidate} is the password; takes the same time whatever part of it matched. */
    boolean matches(String candidate);

    /** The same kind of check with the same cost that never matches. */
    Password decoy();

    /** PBKDF2 iterations one {@link #matches} costs (0 for plain text). */
    int cost();

    /**
     * Work of {@code iterations} PBKDF2 iterations whose result is thrown away: pads a cheaper check to the
     * cost of the dearest, so that a login's time tells nothing about the account.
     */
    static void burn(String candidate, int iterations) {
        if (iterations > 0) {
            Pbkdf2.derive((candidate == null ? "" : candidate).toCharArray(), BURN_SALT, iterations);
        }
    }

    byte[] BURN_SALT = "edgesync-decoy-salt".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Reads a configured value.
     *
     * @throws IllegalArgumentException when it starts like a hash but is not a valid one
     */
    static Password parse(String text) {
        if (text.startsWith(PREFIX)) {
            return Pbkdf2.parse(text);
        }
        return new Plain(Secret.of(text));
    }

    /** A plain-text password from the configuration file. */
    record Plain(Secret secret) implements Password {
        @Override
        public boolean matches(String candidate) {
            return secret.matches(candidate);
        }

        @Override
        public Password decoy() {
            return new Plain(Secret.of("\u0000decoy\u0000"));
        }

        @Override
        public int cost() {
            return 0;
        }

        @Override
        public String toString() {
            return "plain(****)";
        }
    }

    /** PBKDF2-HMAC-SHA256 with a random salt, as the JDK computes it. */
    record Pbkdf2(int iterations, String salt, String hash) implements Password {
        public Pbkdf2 {
            if (iterations < 10_000 || iterations > 10_000_000) {
                throw new IllegalArgumentException("iterations must be 10000-10000000");
            }
            if (Base64.getDecoder().decode(salt).length < 16 || Base64.getDecoder().decode(hash).length != 32) {
                throw new IllegalArgumentException("salt of at least 16 bytes and a 32-byte hash expected");
            }
        }

        static Pbkdf2 parse(String text) {
            String[] parts = text.substring(PREFIX.length()).split("\\$", -1);
            if (parts.length != 3 || !parts[0].matches("\\d{5,8}")) {
                throw new IllegalArgumentException("expected " + PREFIX + "ITERATIONS$SALT$HASH");
            }
            return new Pbkdf2(Integer.parseInt(parts[0]), parts[1], parts[2]);
        }

        /** Hashes {@code password} with a new random salt. */
        public static Pbkdf2 create(char[] password, int iterations, SecureRandom random) {
            byte[] salt = new byte[16];
            random.nextBytes(salt);
            return new Pbkdf2(iterations, Base64.getEncoder().encodeToString(salt),
                    Base64.getEncoder().encodeToString(derive(password, salt, iterations)));
        }

        public String encoded() {
            return PREFIX + iterations + "$" + salt + "$" + hash;
        }

        @Override
        public boolean matches(String candidate) {
            byte[] derived = derive((candidate == null ? "" : candidate).toCharArray(), Base64.getDecoder().decode(salt), iterations);
            return MessageDigest.isEqual(derived, Base64.getDecoder().decode(hash));
        }

        @Override
        public Password decoy() {
            return create("\u0000decoy\u0000".toCharArray(), iterations, new SecureRandom());
        }

        @Override
        public int cost() {
            return iterations;
        }

        static byte[] derive(char[] password, byte[] salt, int iterations) {
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                        .generateSecret(new PBEKeySpec(password, salt, iterations, 256)).getEncoded();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("every JDK has PBKDF2WithHmacSHA256", e);
            }
        }

        @Override
        public String toString() {
            return "pbkdf2-sha256(" + iterations + " iterations)";
        }
    }
}
