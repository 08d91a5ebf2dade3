package io.edgesync.agent.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ftp.*}: the embedded server the devices upload to.
 *
 * @param passivePortsFrom first port of {@code ftp.passive-ports}
 * @param passivePortsTo last port of {@code ftp.passive-ports}
 * @param passiveAddress address announced in PASV replies (for NAT); empty = the address the client connected to
 * @param active whether devices may use active mode (PORT/EPRT); passive always works
 * @param tls FTPS towards devices ({@code ftp.tls.*}); empty = plain FTP only
 * @param ignore glob patterns of file names that are stored but never delivered (device temporaries); a
 *               rename to a name outside them delivers the file
 * @param partialKeep how long the bytes of a cut upload are kept for the device to continue it (0 = not kept)
 */
public record FtpSettings(String bind, int port, int passivePortsFrom, int passivePortsTo, String passiveAddress,
                          int maxLogins, int maxConnections, int maxConnectionsPerIp, Duration idleTimeout,
                          boolean anonymous, boolean active, List<String> ignore,
                          LoginLimits login, Optional<Tls> tls, List<User> users, Duration partialKeep) {

    /** The default of {@code ftp.partial-keep}. */
    public static final Duration PARTIAL_KEEP = Duration.ofHours(1);

    /** Settings with the default {@code ftp.partial-keep}. */
    public FtpSettings(String bind, int port, int passivePortsFrom, int passivePortsTo, String passiveAddress,
                       int maxLogins, int maxConnections, int maxConnectionsPerIp, Duration idleTimeout,
                       boolean anonymous, boolean active, List<String> ignore, LoginLimits login, Optional<Tls> tls,
                       List<User> users) {
        this(bind, port, passivePortsFrom, passivePortsTo, passiveAddress, maxLogins, maxConnections,
                maxConnectionsPerIp, idleTimeout, anonymous, active, ignore, login, tls, users, PARTIAL_KEEP);
    }

    public FtpSettings {
        if (partialKeep.isNegative()) {
            throw ConfigException.of("ftp.partial-keep", partialKeep, "allowed: 0s (cut uploads are not kept) or a"
                    + " duration such as 1h");
        }
        AgentConfig.checkPort("ftp.port", port);
        if (passivePortsFrom < 1024 || passivePortsTo > 65535 || passivePortsFrom > passivePortsTo) {
            throw ConfigException.of("ftp.passive-ports", passivePortsFrom + "-" + passivePortsTo,
                    "allowed: a range FROM-TO within 1024-65535 with FROM <= TO, e.g. 30000-30063");
        }
        if (maxLogins < 1 || maxLogins > 10_000) {
            throw ConfigException.of("ftp.max-logins", maxLogins, "allowed: 1-10000");
        }
        if (maxConnections < 1 || maxConnections > 100_000) {
            throw ConfigException.of("ftp.max-connections", maxConnections, "allowed: 1-100000");
        }
        if (maxConnectionsPerIp < 1 || maxConnectionsPerIp > maxConnections) {
            throw ConfigException.of("ftp.max-connections-per-ip", maxConnectionsPerIp,
                    "allowed: 1 up to ftp.max-connections (" + maxConnections + ")");
        }
        if (idleTimeout.toSeconds() < 1) {
            throw ConfigException.of("ftp.idle-timeout", idleTimeout, "allowed: at least 1s");
        }
        users = List.copyOf(users);
        ignore = List.copyOf(ignore);
        for (int i = 0; i < ignore.size(); i++) {
            try {
                java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + ignore.get(i));
            } catch (RuntimeException e) {
                throw ConfigException.of("ftp.ignore." + i, ignore.get(i), "allowed: a glob such as *.tmp");
            }
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < users.size(); i++) {
            if (users.get(i).requireTls() && tls.isEmpty()) {
                throw ConfigException.of("ftp.users." + i + ".require-tls", true,
                        "this needs FTPS: set ftp.tls.keystore (and ftp.tls.keystore-password)");
            }
            if (!names.add(users.get(i).name())) {
                throw ConfigException.of("ftp.users." + i + ".name", users.get(i).name(),
                        "each user needs a name of its own");
            }
            if (users.get(i).name().equals("anonymous") && !anonymous) {
                throw ConfigException.of("ftp.users." + i + ".name", "anonymous",
                        "anonymous login is off; set ftp.anonymous: true to allow it, or pick another name");
            }
        }
    }

    /** The same settings with other users ({@code reload-config} compares what is left). */
    public FtpSettings withUsers(List<User> other) {
        return new FtpSettings(bind, port, passivePortsFrom, passivePortsTo, passiveAddress, maxLogins, maxConnections,
                maxConnectionsPerIp, idleTimeout, anonymous, active, ignore, login, tls, other, partialKeep);
    }

    /**
     * {@code ftp.tls.*}: explicit FTPS (AUTH TLS) on {@code ftp.port}, and implicit FTPS on
     * {@code implicitPort} when it is set; the server's key and certificate come from a PKCS12 keystore.
     *
     * @param implicitPort 0 = no implicit-TLS listener
     */
    public record Tls(java.nio.file.Path keystore, Secret keystorePassword, int implicitPort) {
        public Tls {
            if (!java.nio.file.Files.isReadable(keystore)) {
                throw ConfigException.of("ftp.tls.keystore", keystore,
                        "no readable PKCS12 file there; make one with keytool or openssl pkcs12 -export");
            }
            AgentConfig.checkPort("ftp.tls.implicit-port", implicitPort);
        }
    }

    /**
     * {@code ftp.login.*}: failed logins are counted per client address across connections. After each
     * failure the address must wait {@code delay} (doubling per failure) before its next attempt is even
     * checked; after {@code maxFailures} it is banned for {@code ban}. A connection not logged in within
     * {@code timeout} of connecting is closed (421).
     */
    public record LoginLimits(int maxFailures, Duration delay, Duration ban, Duration timeout) {
        /** The default of {@code ftp.login.timeout}. */
        public static final Duration TIMEOUT = Duration.ofSeconds(20);

        public LoginLimits(int maxFailures, Duration delay, Duration ban) {
            this(maxFailures, delay, ban, TIMEOUT);
        }

        public LoginLimits {
            if (maxFailures < 1 || maxFailures > 1000) {
                throw ConfigException.of("ftp.login.max-failures", maxFailures, "allowed: 1-1000");
            }
            if (delay.isNegative()) {
                throw ConfigException.of("ftp.login.delay", delay, "allowed: 0s or a positive duration");
            }
            if (ban.isNegative() || ban.isZero()) {
                throw ConfigException.of("ftp.login.ban", ban, "allowed: a positive duration, e.g. 15m");
            }
            if (timeout.toMillis() < 1000 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw ConfigException.of("ftp.login.timeout", timeout, "allowed: 1s to 10m, e.g. 20s (time from"
                        + " connecting to a completed login)");
            }
        }
    }

    /**
     * One device account ({@code ftp.users[]}).
     *
     * @param home folder under the spool, relative, where this user's uploads land
     * @param perm pyftpdlib's permission letters
     * @param limits what one upload and the whole home may hold
     * @param requireTls this account logs in only over TLS (AUTH TLS, or the implicit-TLS port)
     * @param allow client addresses or CIDR blocks this account may log in from (empty = any)
     * @param expectEvery the silence alarm: the device should upload at least this often (zero = no alarm)
     */
    public record User(String name, Password password, String home, String perm, Limits limits,
                       boolean requireTls, List<String> allow, Duration expectEvery) {
        /** pyftpdlib's letters: e cwd, l list, r retrieve, a append, d delete, f rename, m mkdir, w store, M chmod, T mtime. */
        public static final String PERM_LETTERS = "elradfmwMT";

        public User {
            if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
                throw ConfigException.of("name", name,
                        "allowed: 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
            }
            if (password == null) {
                throw ConfigException.of("password", null, "every user needs a password (a hash from"
                        + " 'edgesync-agent hash-password', or plain text)");
            }
            if (home == null || home.isBlank() || home.startsWith("/") || home.contains("\\")
                    || List.of(home.split("/")).contains("..") || home.indexOf('\0') >= 0) {
                throw ConfigException.of("home", home,
                        "allowed: a relative folder under the spool, without '..' or backslashes, e.g. cameras/gate");
            }
            allow = List.copyOf(allow);
            for (int i = 0; i < allow.size(); i++) {
                if (!allow.get(i).matches("[0-9.]+(/\\d{1,2})?|[0-9a-fA-F:]*:[0-9a-fA-F:.]*(/\\d{1,3})?")) {
                    throw ConfigException.of("allow." + i, allow.get(i),
                            "allowed: an IP address or CIDR block such as 192.168.10.0/24 or fd00::/8 (no host names)");
                }
            }
            Objects.requireNonNull(limits, "limits");
            if (expectEvery.isNegative() || !expectEvery.isZero() && expectEvery.toSeconds() < 1) {
                throw ConfigException.of("expect-every", expectEvery, "allowed: 0 (no alarm) or a duration such as 2h");
            }
            if (perm == null || perm.isEmpty() || !perm.chars().allMatch(c -> PERM_LETTERS.indexOf(c) >= 0)) {
                throw ConfigException.of("perm", perm, "allowed: one or more of the letters " + PERM_LETTERS
                        + " (e cwd, l list, r read, a append, d delete, f rename, m mkdir, w write, M chmod, T mtime)");
            }
        }

        public User(String name, Password password, String home, String perm) {
            this(name, password, home, perm, Limits.NONE, false, List.of());
        }

        public User(String name, Password password, String home, String perm, Limits limits, boolean requireTls,
                    List<String> allow) {
            this(name, password, home, perm, limits, requireTls, allow, Duration.ZERO);
        }

        public boolean may(char letter) {
            return perm.indexOf(letter) >= 0;
        }
    }

    /**
     * Per-user storage limits; 0 means no limit. Uploads past any of them are refused with 552 and
     * nothing is kept.
     *
     * @param maxFileSize the largest single upload ({@code max-file-size})
     * @param quotaBytes  what the user's home may hold in all ({@code quota-bytes})
     * @param quotaFiles  how many files the user's home may hold ({@code quota-files})
     */
    public record Limits(long maxFileSize, long quotaBytes, long quotaFiles) {
        public static final Limits NONE = new Limits(0, 0, 0);

        public Limits {
            if (maxFileSize < 0) {
                throw ConfigException.of("max-file-size", maxFileSize, "allowed: 0 (no limit) or a size such as 2GiB");
            }
            if (quotaBytes < 0) {
                throw ConfigException.of("quota-bytes", quotaBytes, "allowed: 0 (no limit) or a size such as 20GiB");
            }
            if (quotaFiles < 0) {
                throw ConfigException.of("quota-files", quotaFiles, "allowed: 0 (no limit) or a number of files");
            }
        }

        public boolean hasQuota() {
            return quotaBytes > 0 || quotaFiles > 0;
        }
    }
}
