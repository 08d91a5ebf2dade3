package io.edgesync.agent.ingest;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which of pyftpdlib's permission letters each FTP command needs. Commands not listed (USER, PASS, PWD,
 * TYPE, PASV, REST, QUIT, FEAT, ...) need none.
 */
final class Permissions {
    private static final Map<String, Character> LETTERS = Map.ofEntries(
            Map.entry("CWD", 'e'), Map.entry("XCWD", 'e'), Map.entry("CDUP", 'e'), Map.entry("XCUP", 'e'),
            Map.entry("LIST", 'l'), Map.entry("NLST", 'l'), Map.entry("MLSD", 'l'), Map.entry("MLST", 'l'),
            Map.entry("SIZE", 'l'),
            Map.entry("RETR", 'r'),
            Map.entry("APPE", 'a'),
            Map.entry("DELE", 'd'), Map.entry("RMD", 'd'), Map.entry("XRMD", 'd'),
            Map.entry("RNFR", 'f'), Map.entry("RNTO", 'f'),
            Map.entry("MKD", 'm'), Map.entry("XMKD", 'm'),
            Map.entry("STOR", 'w'), Map.entry("STOU", 'w'),
            Map.entry("MFMT", 'T'));

    private Permissions() {
    }

    /** The letter {@code command} with {@code argument} needs, if any. */
    static Optional<Character> required(String command, String argument) {
        String cmd = command.toUpperCase(Locale.ROOT);
        String arg = argument == null ? "" : argument.trim();
        return switch (cmd) {
            // MDTM with a time first sets the time (an old extension); without one it only reads it
            case "MDTM" -> Optional.of(arg.matches("\\d{14}\\s+.+") ? 'T' : 'l');
            // STAT with an argument lists a path; without one it reports the session
            case "STAT" -> arg.isEmpty() ? Optional.empty() : Optional.of('l');
            case "SITE" -> {
                String sub = arg.toUpperCase(Locale.ROOT);
                // SITE SYNC tells whether a file exists: a listing right
                yield sub.startsWith("CHMOD") ? Optional.of('M') : sub.startsWith("SYNC") ? Optional.of('l') : Optional.empty();
            }
            default -> Optional.ofNullable(LETTERS.get(cmd));
        };
    }
}
