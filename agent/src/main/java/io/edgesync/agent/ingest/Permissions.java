package io.edgesync.agent.ingest;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which of pyftpdlib's permission letters each FTP command needs. Every command is checked: those that
 * need no letter are named one by one in {@link #FREE} (with why), and any other command, one that a
 * future FtpServer might add included, needs {@link #NO_ACCOUNT}, which no account has.
 */
final class Permissions {
    private static final Map<String, Character> LETTERS = Map.ofEntries(
            Map.entry("CWD", 'e'), Map.entry("XCWD", 'e'), Map.entry("CDUP", 'e'), Map.entry("XCUP", 'e'),
            Map.entry("LIST", 'l'), Map.entry("NLST", 'l'), Map.entry("MLSD", 'l'), Map.entry("MLST", 'l'),
            Map.entry("SIZE", 'l'),
            Map.entry("RETR", 'r'),
            // a file's hash tells its content (and 251 against 550, whether it exists): reading
            Map.entry("MD5", 'r'), Map.entry("MMD5", 'r'),
            Map.entry("APPE", 'a'),
            Map.entry("DELE", 'd'), Map.entry("RMD", 'd'), Map.entry("XRMD", 'd'),
            Map.entry("RNFR", 'f'), Map.entry("RNTO", 'f'),
            Map.entry("MKD", 'm'), Map.entry("XMKD", 'm'),
            Map.entry("STOR", 'w'), Map.entry("STOU", 'w'),
            Map.entry("MFMT", 'T'));

    /** Needed by commands no account may use. */
    static final char NO_ACCOUNT = '-';

    /**
     * Commands that need no letter: the login and the session's own settings (USER PASS ACCT AUTH PBSZ PROT
     * CCC REIN QUIT TYPE MODE STRU OPTS LANG), the working folder's name (PWD XPWD), data connection set-up,
     * whose transfer is checked by its own command (PASV EPSV PORT EPRT REST ALLO ABOR), and what says
     * nothing about files (NOOP SYST FEAT HELP; STAT without argument; SITE HELP, SITE DF, SITE QUEUE, SITE
     * ZONE).
     */
    static final Set<String> FREE = Set.of("USER", "PASS", "ACCT", "AUTH", "PBSZ", "PROT", "CCC", "REIN", "QUIT",
            "TYPE", "MODE", "STRU", "OPTS", "LANG", "PWD", "XPWD", "PASV", "EPSV", "PORT", "EPRT", "REST", "ALLO",
            "ABOR", "NOOP", "SYST", "FEAT", "HELP");
    private static final Set<String> FREE_SITE = Set.of("HELP", "DF", "QUEUE", "ZONE");

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
                String sub = arg.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
                // SITE SYNC tells whether a file exists: a listing right
                yield sub.equals("CHMOD") ? Optional.of('M') : sub.equals("SYNC") ? Optional.of('l')
                        : FREE_SITE.contains(sub) ? Optional.empty() : Optional.of(NO_ACCOUNT);
            }
            default -> FREE.contains(cmd) ? Optional.empty() : Optional.of(LETTERS.getOrDefault(cmd, NO_ACCOUNT));
        };
    }
}
