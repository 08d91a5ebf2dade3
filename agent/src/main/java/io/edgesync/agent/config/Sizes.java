package io.edgesync.agent.config;

import java.util.Locale;

/** Reads byte sizes as operators write them: {@code 1048576}, {@code 512KiB}, {@code 256MiB}, {@code 2GiB}, {@code 100MB}. */
public final class Sizes {
    public static final String ALLOWED = "allowed: a number of bytes, optionally with KiB, MiB, GiB, kB, MB or GB"
            + " (e.g. 256MiB; 'Mb' is refused: bits or bytes?)";

    private Sizes() {
    }

    public static long parse(String text) {
        String t = text.trim();
        int split = 0;
        while (split < t.length() && Character.isDigit(t.charAt(split))) {
            split++;
        }
        if (split == 0 || split > 15) {
            throw new IllegalArgumentException(text);
        }
        long n = Long.parseLong(t.substring(0, split));
        String written = t.substring(split).trim();
        if (written.length() == 2 && written.charAt(1) == 'b') {
            // 8Mb: megabits or megabytes? A data budget read as bytes would be 8 times what was meant
            throw new IllegalArgumentException(text + " is ambiguous: write " + written.charAt(0) + "B for bytes");
        }
        long unit = switch (written.toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "kib", "k" -> 1L << 10;
            case "mib", "m" -> 1L << 20;
            case "gib", "g" -> 1L << 30;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            default -> throw new IllegalArgumentException(text);
        };
        return Math.multiplyExact(n, unit);
    }
}
