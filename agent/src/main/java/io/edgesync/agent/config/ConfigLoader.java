package io.edgesync.agent.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.yaml.YamlConfigParser;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the YAML file with Helidon Config into a validated {@link AgentConfig}. Environment variables
 * override any key by Helidon's rule ({@code FTP_PORT} sets {@code ftp.port}, {@code AGENT_DATA_dash_DIR}
 * sets {@code agent.data-dir}, {@code UPSTREAMS_0_PASSWORD} sets {@code upstreams.0.password}); so do
 * Java system properties. Every problem found is reported at once, each naming its key.
 */
public final class ConfigLoader {
    /** How the shipped configuration's passwords begin (any case, with or without a dash). */
    private static final String PLACEHOLDER = "changeme";
    private final Config root;
    private final List<String> problems = new ArrayList<>();
    /** Every key the reading asked for (with list indexes): for {@link Schema}. */
    private final Set<String> read = new LinkedHashSet<>();
    /** Keys read as lists of values: the keys under them are their items. */
    private final Set<String> lists = new HashSet<>();

    private ConfigLoader(Config root) {
        this.root = root;
    }

    /**
     * Every setting, list indexes written as 0: the keys the reader asks for when it reads a configuration
     * with one of each list's entries (a fixed schema, whatever values the file holds).
     */
    private static final Schema SCHEMA = Schema.read();

    private record Schema(Set<String> keys, Set<String> lists) {
        static Schema read() {
            ConfigLoader probe = new ConfigLoader(fileOnly().addSource(ConfigSources.create("""
                    ftp:
                      users:
                        - {name: schema, password: x, home: schema}  # x: too short to be masked in the log as a secret
                    upstreams:
                      - {name: schema, url: "ftp://schema/in", user: schema}
                      - {name: schema2, url: "ftp://schema/in", user: schema}
                    sync:
                      priorities:
                        - {glob: "schema/**", priority: 1}
                      delivery-rules:
                        - {name: schema, rule: any-of, upstreams: [schema, schema2]}
                    mqtt:
                      tls: {ca-file: ""}
                    """, MediaTypes.APPLICATION_X_YAML)).build());
            probe.values();
            if (!probe.problems.isEmpty()) {
                throw new IllegalStateException("the schema's own configuration is not valid: " + probe.problems);
            }
            return new Schema(Set.copyOf(probe.read), Set.copyOf(probe.lists));
        }

        /** {@code key} with every list index written as 0. */
        static String indexless(String key) {
            return key.replaceAll("\\.\\d+(?=\\.|$)", ".0");
        }
    }

    private static String fullKey(Config node, String key) {
        String parent = node.key().toString();
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /**
     * Loads {@code file} (YAML), or only the built-in defaults when {@code file} is empty.
     *
     * @throws ConfigException naming every bad key, or the file when it cannot be read
     */
    public static AgentConfig load(Optional<Path> file) {
        Config.Builder builder = builder();
        file.ifPresent(path -> {
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                throw ConfigException.of("--config", path,
                        "no readable file there; give --config FILE, the YAML file (an example is config/edgesync.yaml)");
            }
            builder.addSource(ConfigSources.file(path).build());
        });
        Config config;
        Optional<Config> fileOnly;
        try {
            config = builder.build();
            fileOnly = file.map(path -> fileOnly().addSource(ConfigSources.file(path).build()).build());
        } catch (RuntimeException e) {
            throw ConfigException.of("--config", file.map(Path::toString).orElse("(defaults)"),
                    "the file is not valid YAML: " + yamlProblem(e));
        }
        return new ConfigLoader(config).read(fileOnly);
    }

    /**
     * Where and what the YAML parser found wrong, without the lines of the file it quotes: a broken line may
     * be a password's, and this message goes to the journal and, for {@code reload-config}, to MQTT.
     */
    static String yamlProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
                return "line " + (yaml.getProblemMark().getLine() + 1) + ", column "
                        + (yaml.getProblemMark().getColumn() + 1) + ": " + yaml.getProblem()
                        + (yaml.getContext() == null ? "" : " (" + yaml.getContext() + ")");
            }
        }
        return "it cannot be parsed (" + e.getClass().getSimpleName() + "; the parser's message is not shown: it"
                + " may quote a password)";
    }

    /** Loads a YAML resource shipped in the jar (the demo's settings); environment variables still override. */
    public static AgentConfig loadResource(String resource) {
        return new ConfigLoader(builder().addSource(ConfigSources.classpath(resource).build()).build())
                .read(Optional.of(fileOnly().addSource(ConfigSources.classpath(resource).build()).build()));
    }

    /** The file alone, without the environment or system properties: whose keys are checked. */
    private static Config.Builder fileOnly() {
        return builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource();
    }

    /**
     * Environment variables and system properties (Helidon adds both, above every file) plus YAML; no
     * service discovery, and no {@code ${...}} resolving, which would mangle passwords containing it.
     */
    private static Config.Builder builder() {
        return Config.builder().disableParserServices().disableFilterServices().disableMapperServices()
                .disableKeyResolving().disableValueResolving().addParser(YamlConfigParser.create());
    }

    /** Reads an already built Helidon {@link Config}; used by {@link #load} and by tests. */
    public static AgentConfig from(Config root) {
        return new ConfigLoader(root).read(Optional.empty());
    }

    /**
     * @param file the file's own keys, each checked against the schema (a misspelled key would otherwise be
     *             ignored silently); environment variables are not (they are the whole system's), see {@link #warnAboutEnvironment()}
     */
    private AgentConfig read(Optional<Config> file) {
        AgentConfig config = values();
        file.ifPresent(this::checkKeys);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        warnAboutEnvironment();
        return config;
    }

    /** Each key of the file that is not a setting is a problem, naming the nearest setting. */
    private void checkKeys(Config file) {
        file.traverse().filter(Config::isLeaf).map(node -> node.key().toString())
                .filter(key -> !known(key)).map(ConfigLoader::outermostUnknown).distinct().sorted()
                .forEach(key -> problems.add(key + ": "
                        // the value is not echoed: a misspelled password key holds a password
                        + (file.get(key).isLeaf() ? "(a value)" : "(a section)")
                        + " is not a setting; " + nearest(key) + " (every key is checked; see README, Configuration)"));
    }

    private static boolean known(String key) {
        String k = Schema.indexless(key);
        if (SCHEMA.keys().contains(k) || SCHEMA.keys().stream().anyMatch(s -> s.startsWith(k + "."))) {
            return true; // a setting, or a section left empty ("mqtt:" with nothing under it)
        }
        for (int dot = k.lastIndexOf('.'); dot > 0; dot = k.lastIndexOf('.', dot - 1)) {
            if (SCHEMA.lists().contains(k.substring(0, dot))) {
                return true; // an item of a list of values (ftp.ignore.0)
            }
        }
        return false;
    }

    /** The first part of {@code key}, from the top, that no setting lies under (a list's key, not its item). */
    private static String outermostUnknown(String key) {
        StringBuilder prefix = new StringBuilder();
        for (String part : key.split("\\.")) {
            prefix.append(prefix.isEmpty() ? "" : ".").append(part);
            String k = Schema.indexless(prefix.toString());
            if (!SCHEMA.keys().contains(k) && SCHEMA.keys().stream().noneMatch(r -> r.startsWith(k + "."))) {
                return prefix.toString();
            }
        }
        return key;
    }

    private static String nearest(String key) {
        String k = Schema.indexless(key);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : SCHEMA.keys()) {
            int d = distance(k, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best != null && bestDistance <= Math.max(2, lastSegment(k).length() / 3)) {
            return "did you mean " + withIndexesOf(key, best) + "?";
        }
        String section = k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : "";
        List<String> siblings = SCHEMA.keys().stream().sorted().filter(s -> section.isEmpty() ? !s.contains(".")
                : s.startsWith(section + ".") && s.indexOf('.', section.length() + 1) < 0)
                .map(ConfigLoader::lastSegment).toList();
        return siblings.isEmpty() ? "the sections are agent, ftp, upstreams, sync, disk, retention, ledger, http, mqtt"
                : "the settings " + (section.isEmpty() ? "at the top" : "of " + withIndexesOf(key, section)) + " are "
                + String.join(", ", siblings);
    }

    /** {@code schemaKey} with the list indexes of {@code key} (upstreams.0.include for upstreams.2.incldue). */
    private static String withIndexesOf(String key, String schemaKey) {
        String[] actual = key.split("\\.");
        String[] schema = schemaKey.split("\\.");
        for (int i = 0; i < schema.length && i < actual.length; i++) {
            if (schema[i].equals("0") && actual[i].matches("\\d+")) {
                schema[i] = actual[i];
            }
        }
        return String.join(".", schema);
    }

    private static String lastSegment(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    /** Levenshtein distance: edits from {@code a} to {@code b}. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * An environment variable that maps to a key of one of the agent's sections but to no setting is warned
     * about, never refused: the environment is the whole system's ({@code HTTP_PROXY} maps to {@code http.proxy}).
     */
    private static void warnAboutEnvironment() {
        Set<String> sections = Set.of("agent", "ftp", "upstreams", "sync", "disk", "retention", "ledger", "http", "mqtt");
        for (String name : System.getenv().keySet()) {
            String key = name.replace("_dash_", "-").toLowerCase(java.util.Locale.ROOT).replace('_', '.');
            if (key.contains(".") && sections.contains(key.substring(0, key.indexOf('.'))) && !known(key)) {
                System.getLogger(ConfigLoader.class.getName()).log(System.Logger.Level.WARNING,
                        "environment variable {0} maps to {1}, which is not a setting; it is ignored", name, key);
            }
        }
    }

    private AgentConfig values() {
        AgentConfig.Agent agent = section("", this::agent);
        FtpSettings ftp = section("", this::ftp);
        List<UpstreamSettings> upstreams = section("", n -> list("upstreams", this::upstream));
        AgentConfig.Sync sync = section("", n -> new AgentConfig.Sync(
                duration("sync.retry-initial", Duration.ofSeconds(2)),
                duration("sync.retry-max", Duration.ofMinutes(5)),
                integer("sync.max-attempts", 0),
                duration("sync.max-age", Duration.ZERO),
                size("sync.resume-threshold", 8L << 20),
                schedule(root, "sync.bandwidth"),
                list("sync.priorities", item -> PriorityRule.of(string(item, "glob", ""), integer(item, "priority", 0))),
                duration("sync.starve-after", Duration.ofMinutes(15)),
                zone("sync.time-zone").orElse(java.time.ZoneId.systemDefault())));
        AgentConfig.Disk disk = section("", n -> new AgentConfig.Disk(
                size("disk.floor-bytes", 256L << 20), integer("disk.floor-percent", 5)));
        AgentConfig.Retention retention = section("", n -> new AgentConfig.Retention(
                string("retention.policy", "until-floor"), duration("retention.keep", Duration.ofDays(7))));
        AgentConfig.LedgerSettings ledger = section("", n -> new AgentConfig.LedgerSettings(
                duration("ledger.history-keep", Duration.ofDays(30))));
        AgentConfig.Http http = section("", n -> new AgentConfig.Http(
                string("http.bind", "0.0.0.0"), integer("http.port", 8080), Secret.of(string("http.token", "")),
                bool("http.token-for-reads", false)));
        MqttSettings mqtt = section("", n -> mqtt(agent));
        List<DeliveryRule> rules = section("", n -> list("sync.delivery-rules", this::rule));
        if (!problems.isEmpty()) {
            return null;
        }
        return section("", n -> new AgentConfig(agent, ftp, upstreams, sync, disk, retention, ledger, http, mqtt,
                rules));
    }

    private AgentConfig.Agent agent(Config unused) {
        String dataDir = string("agent.data-dir", "edgesync-data");
        if (dataDir.isBlank()) {
            throw ConfigException.of("agent.data-dir", dataDir, "allowed: a folder path, e.g. /var/lib/edgesync");
        }
        String spoolDir = string("agent.spool-dir", "");
        return new AgentConfig.Agent(string("agent.id", defaultAgentId()), Path.of(dataDir).toAbsolutePath().normalize(),
                spoolDir.isBlank() ? Optional.empty() : Optional.of(Path.of(spoolDir).toAbsolutePath().normalize()));
    }

    private DeliveryRule rule(Config node) {
        DeliveryRule.Kind kind = DeliveryRule.Kind.parse(string(node, "rule", null));
        return new DeliveryRule(string(node, "name", null), kind,
                integer(node, "k", kind == DeliveryRule.Kind.ANY_OF ? 1 : 0), strings(node, "upstreams", List.of()),
                duration(node, "failover-after", Duration.ofMinutes(2)),
                duration(node, "failback-after", Duration.ofMinutes(1)), bool(node, "catch-up", false));
    }

    private FtpSettings ftp(Config unused) {
        String range = string("ftp.passive-ports", "30000-30063");
        int from = -1;
        int to = -1;
        String[] parts = range.split("-", -1);
        if (parts.length == 2 && parts[0].trim().matches("\\d{1,5}") && parts[1].trim().matches("\\d{1,5}")) {
            from = Integer.parseInt(parts[0].trim());
            to = Integer.parseInt(parts[1].trim());
        } else if (range.trim().matches("\\d{1,5}")) {
            from = to = Integer.parseInt(range.trim());
        }
        if (from < 0) {
            throw ConfigException.of("ftp.passive-ports", range, "allowed: a range FROM-TO, e.g. 30000-30063");
        }
        List<FtpSettings.User> users = list("ftp.users", node -> new FtpSettings.User(
                string(node, "name", null), password(node), string(node, "home", null), string(node, "perm", "elrw"),
                new FtpSettings.Limits(size(node, "max-file-size", 0), size(node, "quota-bytes", 0),
                        integer(node, "quota-files", 0)),
                bool(node, "require-tls", false), strings(node, "allow", List.of()),
                duration(node, "expect-every", Duration.ZERO)));
        return new FtpSettings(string("ftp.bind", "0.0.0.0"), integer("ftp.port", 2121), from, to,
                string("ftp.passive-address", ""), integer("ftp.max-logins", 64),
                integer("ftp.max-connections", 256), integer("ftp.max-connections-per-ip", 32),
                duration("ftp.idle-timeout", Duration.ofMinutes(5)), bool("ftp.anonymous", false), bool("ftp.active", true),
                strings(root, "ftp.ignore", List.of("*.tmp", "*.part", ".*")),
                new FtpSettings.LoginLimits(integer("ftp.login.max-failures", 5),
                        duration("ftp.login.delay", Duration.ofSeconds(1)), duration("ftp.login.ban", Duration.ofMinutes(15)),
                        duration("ftp.login.timeout", FtpSettings.LoginLimits.TIMEOUT)),
                tls(), users, duration("ftp.partial-keep", FtpSettings.PARTIAL_KEEP));
    }

    private Optional<FtpSettings.Tls> tls() {
        String keystore = string("ftp.tls.keystore", "");
        Secret password = Secret.of(string("ftp.tls.keystore-password", ""));
        int implicitPort = integer("ftp.tls.implicit-port", 0);
        if (keystore.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new FtpSettings.Tls(Path.of(keystore), password, implicitPort));
    }

    private Password password(Config node) {
        String text = string(node, "password", null);
        if (text == null || text.isEmpty()) {
            return null;
        }
        refusePlaceholder(text);
        try {
            return Password.parse(text);
        } catch (IllegalArgumentException e) {
            throw ConfigException.of("password", "pbkdf2-sha256$...", "it is not a valid hash (" + e.getMessage()
                    + "); make one with 'edgesync-agent hash-password'");
        }
    }

    /**
     * The shipped configuration's passwords ({@code change-me...}) are refused: installed from the package, the
     * agent would otherwise start at once with an FTP account anyone can guess, open on every interface.
     */
    private static void refusePlaceholder(String password) {
        if (password.toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "").startsWith(PLACEHOLDER)) {
            throw ConfigException.of("password", "change-me...", "the shipped placeholder is refused: set a password of"
                    + " your own, or a hash from 'edgesync-agent hash-password'");
        }
    }

    private UpstreamSettings upstream(Config node) {
        String raw = string(node, "url", null);
        URI url;
        try {
            url = raw == null ? null : new URI(raw.trim());
        } catch (URISyntaxException e) {
            throw ConfigException.of("url", raw, "allowed: ftp://host[:port]/dir or ftps://host[:port]/dir");
        }
        String password = string(node, "password", "");
        refusePlaceholder(password);
        return new UpstreamSettings(string(node, "name", null), url, string(node, "user", null),
                Secret.of(password), integer(node, "workers", 2),
                duration(node, "connect-timeout", Duration.ofSeconds(10)),
                duration(node, "control-timeout", Duration.ofSeconds(30)),
                duration(node, "data-timeout", Duration.ofSeconds(60)),
                strings(node, "include", List.of("**")), caFile(node), bool(node, "implicit-tls", false),
                schedule(node, "bandwidth"), budget(node), strings(node, "budget-exempt", List.of()),
                strings(node, "exclude", List.of()), PathTemplate.parse("path", string(node, "path", "{path}")),
                Optional.ofNullable(string(node, "chmod", null)), UpstreamSettings.FileTimes.parse(string(node, "file-times", "mfmt")));
    }

    private BandwidthSchedule schedule(Config node, String key) {
        String text = string(node, key, null);
        return text == null ? BandwidthSchedule.OFF : BandwidthSchedule.parse(key, text);
    }

    private BudgetSettings budget(Config node) {
        String time = string(node, "budget.reset-time", "00:00");
        java.time.LocalTime resetTime;
        try {
            resetTime = java.time.LocalTime.parse(time.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw ConfigException.of("budget.reset-time", time, "allowed: a time of day HH:MM, e.g. 00:00");
        }
        return new BudgetSettings(size(node, "budget.daily", 0), size(node, "budget.monthly", 0),
                integer(node, "budget.reset-day", 1), resetTime, zone(node, "budget.time-zone"));
    }

    private Optional<java.time.ZoneId> zone(String key) {
        return zone(root, key);
    }

    private Optional<java.time.ZoneId> zone(Config node, String key) {
        String zone = string(node, key, "");
        if (zone.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(java.time.ZoneId.of(zone.trim()));
        } catch (java.time.DateTimeException e) {
            throw ConfigException.of(key, zone, "allowed: a time zone such as Europe/Berlin, America/Chicago or UTC"
                    + " (empty: the system's)");
        }
    }

    private Optional<Path> caFile(Config node) {
        Optional<Path> file = file(node, "ca-file");
        if (file.isPresent()) {
            try {
                PemTls.context(file, Optional.empty(), Optional.empty());
            } catch (IOException | GeneralSecurityException e) {
                throw ConfigException.of("ca-file", file.get(), "allowed: a PEM file of CA certificates"
                        + " (-----BEGIN CERTIFICATE-----); " + e.getMessage());
            }
        }
        return file;
    }

    private MqttSettings mqtt(AgentConfig.Agent agent) {
        String broker = string("mqtt.broker", "");
        Optional<URI> uri = Optional.empty();
        if (!broker.isBlank()) {
            try {
                uri = Optional.of(new URI(broker.trim()));
            } catch (URISyntaxException e) {
                throw ConfigException.of("mqtt.broker", broker, "allowed: tcp://host:port, or empty to turn MQTT off");
            }
        }
        String clientIdDefault = "edgesync-" + (agent == null ? "agent" : agent.id());
        return new MqttSettings(uri, string("mqtt.topic-prefix", "edgesync"), string("mqtt.client-id", clientIdDefault),
                string("mqtt.username", ""), Secret.of(string("mqtt.password", "")),
                duration("mqtt.status-interval", Duration.ofSeconds(60)),
                duration("mqtt.metrics-interval", Duration.ofSeconds(60)), strings(root, "mqtt.groups", List.of()),
                mqttTls());
    }

    private Optional<MqttSettings.Tls> mqttTls() {
        if (!root.get("mqtt.tls").exists()) {
            return Optional.empty();
        }
        MqttSettings.Tls tls = new MqttSettings.Tls(file("mqtt.tls.ca-file"), file("mqtt.tls.cert-file"),
                file("mqtt.tls.key-file"), bool("mqtt.tls.verify-hostname", true));
        // read now, so that a wrong file is a configuration error (exit 2, before any port opens), not a failed start
        pem("mqtt.tls.ca-file", tls.caFile(), PemTls::certificates);
        pem("mqtt.tls.cert-file", tls.certFile(), PemTls::certificates);
        pem("mqtt.tls.key-file", tls.keyFile(), PemTls::privateKey);
        return Optional.of(tls);
    }

    @FunctionalInterface
    private interface PemReader {
        Object read(Path file) throws GeneralSecurityException;
    }

    private static void pem(String key, Optional<Path> file, PemReader reader) {
        if (file.isPresent()) {
            try {
                reader.read(file.get());
            } catch (GeneralSecurityException e) {
                throw ConfigException.of(key, file.get(), "allowed: a readable PEM file; " + e.getMessage());
            }
        }
    }

    /** An optional file that must be readable now, so a typo fails at start, not at the first connect. */
    private Optional<Path> file(String key) {
        return readable(key, string(key, ""));
    }

    private Optional<Path> file(Config node, String key) {
        return readable(key, string(node, key, ""));
    }

    private static Optional<Path> readable(String key, String value) {
        if (value.isBlank()) {
            return Optional.empty();
        }
        Path path = Path.of(value.trim());
        if (!Files.isReadable(path)) {
            throw ConfigException.of(key, value, "allowed: a readable file (this one does not exist or cannot be read)");
        }
        return Optional.of(path);
    }

    /** Runs one section's reader; its problems are collected so that all of them are reported together. */
    private <T> T section(String prefix, Function<Config, T> reader) {
        try {
            return reader.apply(root);
        } catch (ConfigException e) {
            problems.addAll(prefix.isEmpty() ? e.problems() : e.within(prefix).problems());
            return null;
        }
    }

    private <T> List<T> list(String key, Function<Config, T> reader) {
        Config node = root.get(key);
        if (!node.exists()) {
            return List.of();
        }
        if (node.type() != Config.Type.LIST && node.type() != Config.Type.OBJECT) {
            throw ConfigException.of(key, node.asString().orElse(""), "allowed: a YAML list of entries");
        }
        List<T> out = new ArrayList<>();
        List<String> wrong = new ArrayList<>(); // every item's problems, so one run names them all
        List<Config> items = node.asNodeList().orElse(List.of());
        for (Config item : items) {
            try {
                out.add(reader.apply(item));
            } catch (ConfigException e) {
                wrong.addAll(e.within(item.key().toString()).problems());
            }
        }
        if (!wrong.isEmpty()) {
            throw new ConfigException(wrong);
        }
        return out;
    }

    private String string(String key, String def) {
        return string(root, key, def);
    }

    private String string(Config node, String key, String def) {
        read.add(fullKey(node, key));
        Config value = node.get(key);
        if (!value.exists()) {
            return def;
        }
        if (!value.isLeaf()) {
            throw ConfigException.of(key, "(a section)", "allowed: a single value here");
        }
        return value.asString().orElse(def);
    }

    /** A YAML list of strings; a single value counts as a list of one. */
    private List<String> strings(Config node, String key, List<String> def) {
        read.add(fullKey(node, key));
        lists.add(fullKey(node, key));
        Config value = node.get(key);
        if (!value.exists()) {
            return def;
        }
        if (value.isLeaf()) {
            return List.of(value.asString().orElse(""));
        }
        List<String> out = new ArrayList<>();
        for (Config item : value.asNodeList().orElse(List.of())) {
            if (!item.isLeaf()) {
                throw ConfigException.of(item.key().toString(), "(a section)", "allowed: a list of text values");
            }
            out.add(item.asString().orElse(""));
        }
        return out;
    }

    private long size(String key, long def) {
        return size(root, key, def);
    }

    private long size(Config node, String key, long def) {
        String s = string(node, key, null);
        if (s == null) {
            return def;
        }
        try {
            return Sizes.parse(s);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw ConfigException.of(key, s, Sizes.ALLOWED);
        }
    }

    private int integer(String key, int def) {
        return integer(root, key, def);
    }

    private int integer(Config node, String key, int def) {
        String s = string(node, key, null);
        if (s == null) {
            return def;
        }
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.of(key, s, "allowed: a whole number");
        }
    }

    private boolean bool(String key, boolean def) {
        return bool(root, key, def);
    }

    private boolean bool(Config node, String key, boolean def) {
        String s = string(node, key, null);
        if (s == null) {
            return def;
        }
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw ConfigException.of(key, s, "allowed: true or false");
        };
    }

    private Duration duration(String key, Duration def) {
        return duration(root, key, def);
    }

    private Duration duration(Config node, String key, Duration def) {
        String s = string(node, key, null);
        if (s == null) {
            return def;
        }
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            throw ConfigException.of(key, s, Durations.ALLOWED);
        }
    }

    private static String defaultAgentId() {
        String name = null;
        try {
            name = Files.readString(Path.of("/etc/hostname")).trim();
        } catch (IOException e) {
            // fall through to the resolver's idea of the host name
        }
        if (name == null || name.isEmpty()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "edgesync";
            }
        }
        String cleaned = name.replaceAll("[^A-Za-z0-9._-]", "-");
        return cleaned.isEmpty() || !Character.isLetterOrDigit(cleaned.charAt(0)) ? "edgesync" : cleaned;
    }
}
