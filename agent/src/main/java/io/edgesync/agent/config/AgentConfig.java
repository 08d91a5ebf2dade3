package io.edgesync.agent.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole validated configuration, read once at start and passed to each part through its
 * constructor. Immutable; {@link ConfigLoader} builds it.
 */
public record AgentConfig(Agent agent, FtpSettings ftp, List<UpstreamSettings> upstreams, Sync sync, Disk disk,
                          Retention retention, LedgerSettings ledger, Http http, MqttSettings mqtt,
                          List<DeliveryRule> rules) {

    /** Without delivery rules: every file goes to every upstream that takes it. */
    public AgentConfig(Agent agent, FtpSettings ftp, List<UpstreamSettings> upstreams, Sync sync, Disk disk,
                       Retention retention, LedgerSettings ledger, Http http, MqttSettings mqtt) {
        this(agent, ftp, upstreams, sync, disk, retention, ledger, http, mqtt, List.of());
    }

    public AgentConfig {
        upstreams = List.copyOf(upstreams);
        rules = List.copyOf(rules);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < upstreams.size(); i++) {
            if (!names.add(upstreams.get(i).name())) {
                throw ConfigException.of("upstreams." + i + ".name", upstreams.get(i).name(),
                        "each upstream needs a name of its own");
            }
        }
        java.util.Map<String, String> ruleOf = new java.util.HashMap<>();
        Set<String> ruleNames = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            DeliveryRule rule = rules.get(i);
            String key = "sync.delivery-rules." + i;
            if (!ruleNames.add(rule.name())) {
                throw ConfigException.of(key + ".name", rule.name(), "each rule needs a name of its own");
            }
            for (int j = 0; j < rule.upstreams().size(); j++) {
                String member = rule.upstreams().get(j);
                if (!names.contains(member)) {
                    throw ConfigException.of(key + ".upstreams." + j, member, "no upstream has this name; allowed: "
                            + String.join(", ", names));
                }
                String other = ruleOf.put(member, rule.name());
                if (other != null) {
                    throw ConfigException.of(key + ".upstreams." + j, member, "it is in rule '" + other
                            + "' already; an upstream follows one rule at most");
                }
            }
        }
    }

    /** The rule {@code upstream} follows, if any. */
    public java.util.Optional<DeliveryRule> ruleOf(String upstream) {
        return rules.stream().filter(r -> r.upstreams().contains(upstream)).findFirst();
    }

    /** {@code agent.*}: who this board is and where it keeps its state. */
    public record Agent(String id, Path dataDir, java.util.Optional<Path> spoolDirSetting) {
        /** The spool inside the data folder. */
        public Agent(String id, Path dataDir) {
            this(id, dataDir, java.util.Optional.empty());
        }

        public Agent {
            if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                throw ConfigException.of("agent.id", id,
                        "allowed: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
                                + " (it is part of MQTT topics)");
            }
        }

        /**
         * Where the files are: {@code spool/} with {@code incoming/} and {@code quarantine/} beside it (one file
         * system, so that a rename moves a file between them), in {@code agent.spool-dir} (maybe a disk of its
         * own) or else the data folder, which keeps the ledger in either case.
         */
        public Path filesDir() {
            return spoolDirSetting.orElse(dataDir);
        }

        public Path spoolDir() {
            return filesDir().resolve("spool");
        }

        /** Whether the spool is set apart from the data folder (maybe on a disk of its own). */
        public boolean spoolApart() {
            return spoolDirSetting.isPresent();
        }

        public Path incomingDir() {
            return filesDir().resolve("incoming");
        }

        public Path quarantineDir() {
            return filesDir().resolve("quarantine");
        }

        public Path ledgerFile() {
            return dataDir.resolve("ledger.db");
        }
    }

    /**
     * {@code sync.*}: retry schedule and limits shared by all upstreams.
     *
     * @param maxAttempts a delivery is parked after this many failed attempts (0 = never)
     * @param maxAge a delivery is parked once its file is this old and still not delivered (zero = never)
     * @param resumeThreshold files at least this large resume an interrupted upload instead of restarting it
     * @param bandwidth the whole agent's limit, shared by every upstream's workers
     * @param priorities which files go first (the first rule that matches a file's path gives its priority)
     * @param starveAfter a file waiting this long takes every fourth transfer start of its upstream,
     *                    whatever its priority (so the lowest is never starved)
     * @param timeZone whose hours the bandwidth schedules and days the budgets follow
     */
    public record Sync(Duration retryInitial, Duration retryMax, int maxAttempts, Duration maxAge,
                       long resumeThreshold, BandwidthSchedule bandwidth, List<PriorityRule> priorities,
                       Duration starveAfter, java.time.ZoneId timeZone) {

        /** Without limits or priorities, in the system's time zone. */
        public Sync(Duration retryInitial, Duration retryMax, int maxAttempts, Duration maxAge, long resumeThreshold) {
            this(retryInitial, retryMax, maxAttempts, maxAge, resumeThreshold, BandwidthSchedule.OFF, List.of(),
                    Duration.ofMinutes(15), java.time.ZoneId.systemDefault());
        }

        public Sync {
            priorities = List.copyOf(priorities);
            if (starveAfter.isNegative() || starveAfter.isZero()) {
                throw ConfigException.of("sync.starve-after", starveAfter, "allowed: a positive duration, e.g. 15m");
            }
            if (retryInitial.isNegative() || retryInitial.isZero()) {
                throw ConfigException.of("sync.retry-initial", retryInitial, "allowed: a positive duration");
            }
            if (retryMax.compareTo(retryInitial) < 0) {
                throw ConfigException.of("sync.retry-max", retryMax,
                        "allowed: a duration at least sync.retry-initial (" + retryInitial + ")");
            }
            if (maxAttempts < 0) {
                throw ConfigException.of("sync.max-attempts", maxAttempts, "allowed: 0 (never give up) or more");
            }
            if (maxAge.isNegative()) {
                throw ConfigException.of("sync.max-age", maxAge, "allowed: 0 (never give up) or a positive duration");
            }
            if (resumeThreshold < 0) {
                throw ConfigException.of("sync.resume-threshold", resumeThreshold, "allowed: 0 or more bytes");
            }
        }

        /** The same settings without what {@code reload-config} changes while running (limits and priorities). */
        public Sync withoutLiveSettings() {
            return new Sync(retryInitial, retryMax, maxAttempts, maxAge, resumeThreshold, BandwidthSchedule.OFF, List.of(),
                    starveAfter, timeZone);
        }
    }

    /**
     * {@code disk.*}: the free-space floor of the data folder's file system. Below it new uploads are
     * refused with 452 before any byte is written.
     */
    public record Disk(long floorBytes, int floorPercent) {
        public Disk {
            if (floorBytes < 0) {
                throw ConfigException.of("disk.floor-bytes", floorBytes, "allowed: 0 or more bytes");
            }
            if (floorPercent < 0 || floorPercent > 90) {
                throw ConfigException.of("disk.floor-percent", floorPercent, "allowed: 0-90");
            }
        }

        /** The floor for a file system of {@code totalBytes}: the larger of the two settings. */
        public long floorFor(long totalBytes) {
            return Math.max(floorBytes, totalBytes / 100 * floorPercent);
        }
    }

    /**
     * {@code retention.*}: what happens to a file once every upstream has it. An undelivered file is
     * never deleted.
     *
     * @param policy {@code delete}: at once; {@code keep-days}: after {@code keepFor}; {@code until-floor}:
     *               only when the disk floor needs room, oldest delivered first
     */
    public record Retention(String policy, Duration keepFor) {
        public static final java.util.Set<String> POLICIES = java.util.Set.of("delete", "keep-days", "until-floor");

        public Retention {
            if (!POLICIES.contains(policy)) {
                throw ConfigException.of("retention.policy", policy, "allowed: delete, keep-days or until-floor");
            }
            if (policy.equals("keep-days") && (keepFor.isNegative() || keepFor.isZero())) {
                throw ConfigException.of("retention.keep", keepFor, "allowed: a positive duration, e.g. 7d");
            }
        }
    }

    /**
     * {@code ledger.*}: how long the ledger keeps the history of files the spool no longer holds (delivered
     * and deleted by retention, withdrawn, or replaced), so that a board at a file a second does not grow it
     * for ever.
     */
    public record LedgerSettings(Duration historyKeep) {
        public LedgerSettings {
            if (historyKeep.toHours() < 1) {
                throw ConfigException.of("ledger.history-keep", historyKeep, "allowed: 1h or more, e.g. 30d");
            }
        }
    }

    /**
     * {@code http.*}.
     *
     * @param token         bearer token for {@code POST /api/v1/commands/*} (empty: HTTP commands are refused)
     * @param tokenForReads the status and metrics endpoints need the token too ({@code /health} never does)
     */
    public record Http(String bind, int port, Secret token, boolean tokenForReads) {
        public Http {
            checkPort("http.port", port);
            if (tokenForReads && token.isEmpty()) {
                throw ConfigException.of("http.token-for-reads", true, "needs http.token to be set");
            }
            if (!token.isEmpty() && token.reveal().length() < 16) {
                throw ConfigException.of("http.token", token, "allowed: at least 16 characters, e.g. from"
                        + " 'openssl rand -hex 24'");
            }
        }

        public Http(String bind, int port) {
            this(bind, port, Secret.of(""), false);
        }
    }

    static void checkPort(String key, int port) {
        if (port < 0 || port > 65535) {
            throw ConfigException.of(key, port, "allowed: 0-65535 (0 = any free port)");
        }
    }
}
