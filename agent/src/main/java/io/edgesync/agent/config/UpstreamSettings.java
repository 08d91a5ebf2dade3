package io.edgesync.agent.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Locale;

/**
 * One upstream FTP/FTPS host ({@code upstreams[]}).
 *
 * @param url {@code ftp://host[:port]/base/dir} or {@code ftps://...} (explicit TLS); the path is taken
 *            relative to the login folder, as RFC 1738 reads FTP URLs
 * @param workers how many files go to this upstream at once, each on its own connection
 * @param include globs on the spool path ({@code cameras/gate/2026/a.jpg}) of the files this upstream
 *                receives; {@code **} (the default) takes everything
 * @param caFile for {@code ftps://}: PEM certificates of the CAs to trust (a private CA, or the server's own
 *               self-signed certificate); empty = the JVM's trust store. The host name is always checked.
 * @param implicitTls for {@code ftps://}: TLS from the connection's first byte (implicit FTPS, port 990 unless
 *                    the URL names one) instead of {@code AUTH TLS}
 * @param bandwidth this upstream's limit, shared by its workers (and within {@code sync.bandwidth})
 * @param budget bytes a day or month the link may carry to this upstream
 * @param budgetExempt globs of files that go even when the budget is spent (alarms)
 * @param exclude globs on the spool path of files this upstream does not receive, whatever {@code include} says
 * @param path where a file goes under the upstream's folder ({@code {path}}: its spool path)
 * @param chmod the mode each file gets upstream after it is published ({@code SITE CHMOD}), e.g. {@code 640}
 * @param fileTimes whether and how each file gets the device's time upstream
 */
public record UpstreamSettings(String name, URI url, String user, Secret password, int workers,
                               Duration connectTimeout, Duration controlTimeout, Duration dataTimeout,
                               List<String> include, Optional<Path> caFile, boolean implicitTls,
                               BandwidthSchedule bandwidth, BudgetSettings budget, List<String> budgetExempt,
                               List<String> exclude, PathTemplate path, Optional<String> chmod,
                               FileTimes fileTimes) {

    /** Without limits: no bandwidth limit, no budget. */
    public UpstreamSettings(String name, URI url, String user, Secret password, int workers, Duration connectTimeout,
                            Duration controlTimeout, Duration dataTimeout, List<String> include, Optional<Path> caFile,
                            boolean implicitTls) {
        this(name, url, user, password, workers, connectTimeout, controlTimeout, dataTimeout, include, caFile,
                implicitTls, BandwidthSchedule.OFF, BudgetSettings.NONE, List.of(), List.of());
    }

    /** Under the spool path, no mode set. */
    public UpstreamSettings(String name, URI url, String user, Secret password, int workers, Duration connectTimeout,
                            Duration controlTimeout, Duration dataTimeout, List<String> include, Optional<Path> caFile,
                            boolean implicitTls, BandwidthSchedule bandwidth, BudgetSettings budget,
                            List<String> budgetExempt, List<String> exclude) {
        this(name, url, user, password, workers, connectTimeout, controlTimeout, dataTimeout, include, caFile,
                implicitTls, bandwidth, budget, budgetExempt, exclude, PathTemplate.SPOOL_PATH, Optional.empty(),
                FileTimes.MFMT);
    }

    public UpstreamSettings {
        if (name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw ConfigException.of("name", name,
                    "allowed: 1-32 lower-case letters, digits, '_' or '-' (it becomes a metrics label)");
        }
        String scheme = url == null || url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ftp") && !scheme.equals("ftps") || url.getHost() == null) {
            throw ConfigException.of("url", url, "allowed: ftp://host[:port]/dir or ftps://host[:port]/dir");
        }
        if (implicitTls && !scheme.equals("ftps")) {
            throw ConfigException.of("implicit-tls", true, "allowed only with an ftps:// url; for plain FTP"
                    + " leave it out");
        }
        if (url.getUserInfo() != null) {
            throw ConfigException.of("url", redact(url),
                    "credentials do not belong in the URL; put them in 'user' and 'password'");
        }
        if (user == null || user.isBlank()) {
            throw ConfigException.of("user", user, "every upstream needs a login name");
        }
        if (workers < 1 || workers > 64) {
            throw ConfigException.of("workers", workers, "allowed: 1-64");
        }
        positive("connect-timeout", connectTimeout);
        positive("control-timeout", controlTimeout);
        positive("data-timeout", dataTimeout);
        include = List.copyOf(include);
        if (include.isEmpty()) {
            throw ConfigException.of("include", "[]", "allowed: one or more globs; '**' takes every file");
        }
        globs("include", include, "cameras/**");
        exclude = List.copyOf(exclude);
        globs("exclude", exclude, "**/*.tmp");
        budgetExempt = List.copyOf(budgetExempt);
        globs("budget-exempt", budgetExempt, "alarms/**");
        // only a quoted string keeps the leading 0: unquoted, YAML reads 0640 as the octal number 416, and a
        // mode of 416 would be set (r----xrw-); 640 unquoted is refused alike, not to guess which was meant
        if (chmod.isPresent() && !chmod.get().matches("0[0-7]{3}")) {
            throw ConfigException.of("chmod", chmod.get(), "allowed: an octal mode with its leading 0, in quotes, e.g."
                    + " \"0640\" (unquoted, YAML reads 0640 as the number 416)");
        }
        chmod = chmod.map(mode -> mode.substring(1));
        if (!budgetExempt.isEmpty() && !budget.any()) {
            throw ConfigException.of("budget-exempt", budgetExempt, "exempts files from a budget, and this upstream"
                    + " has none: set budget.daily or budget.monthly, or leave budget-exempt out");
        }
    }


    /**
     * {@code upstreams[].file-times}: whether each file gets the device's time upstream. {@code mfmt} (the
     * default): where FEAT offers MFMT, in the rename's own write (one reply more per file); {@code any}: also,
     * where it does not, {@code SITE UTIME} or vsftpd's {@code MDTM} with a time, learned by the first file;
     * {@code off}: never.
     */
    public enum FileTimes {
        OFF, MFMT, ANY;

        /** @throws ConfigException naming the key when {@code text} is none of them */
        public static FileTimes parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "off", "false" -> OFF;
                case "mfmt", "true" -> MFMT;
                case "any" -> ANY;
                default -> throw ConfigException.of("file-times", text, "allowed: mfmt (where the server offers"
                        + " MFMT), any (also SITE UTIME or vsftpd's MDTM with a time), or off");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Each entry of the list {@code key} must be a glob. */
    private static void globs(String key, List<String> globs, String example) {
        for (int i = 0; i < globs.size(); i++) {
            try {
                Glob.of(globs.get(i));
            } catch (IllegalArgumentException e) {
                throw ConfigException.of(key + "." + i, globs.get(i), "allowed: a glob such as " + example);
            }
        }
    }

    private static void positive(String key, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw ConfigException.of(key, d, "allowed: a positive duration; every network wait must be bounded");
        }
    }

    private static String redact(URI url) {
        return url.getScheme() + "://****@" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "")
                + url.getRawPath();
    }

    public boolean tls() {
        return url.getScheme().equalsIgnoreCase("ftps");
    }

    public String host() {
        return url.getHost();
    }

    public int port() {
        return url.getPort() > 0 ? url.getPort() : implicitTls ? 990 : 21;
    }

    /** The upstream folder, relative to the login folder, without leading or trailing slashes ("" = login folder). */
    public String baseDir() {
        String path = url.getPath() == null ? "" : url.getPath();
        return path.replaceAll("^/+", "").replaceAll("/+$", "");
    }

    /** The URL as it may be shown in logs, status and metrics. */
    public String displayUrl() {
        return url.toString();
    }

    /**
     * The same settings without what {@code reload-config} changes while running (the login, the bandwidth
     * limit, the budget): it compares what is left.
     */
    public UpstreamSettings withoutLiveSettings() {
        return new UpstreamSettings(name, url, "-", Secret.of(""), workers, connectTimeout, controlTimeout, dataTimeout,
                include, caFile, implicitTls, BandwidthSchedule.OFF, BudgetSettings.NONE, List.of(), exclude, path, chmod,
                fileTimes);
    }
}
