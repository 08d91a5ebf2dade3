package io.edgesync.agent.control;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ingest.IngestServer;
import io.edgesync.agent.ledger.DeliveryStatus;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.Transfer;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.Retention;
import io.edgesync.agent.sync.SyncService;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import static io.edgesync.agent.control.Command.Param.optional;
import static io.edgesync.agent.control.Command.Param.required;
import static io.edgesync.agent.control.Command.Type.INTEGER;
import static io.edgesync.agent.control.Command.Type.STRING;

/**
 * Every command the agent answers, over MQTT and HTTP alike (see the README, Fleet, for the arguments and
 * replies). Building it wires each command to the part that does the work.
 */
public final class AgentCommands {
    private static final int MAX_PAGE = 500;
    private static final List<DeliveryStatus> OWED_STATES = List.of(DeliveryStatus.PENDING, DeliveryStatus.ACTIVE,
            DeliveryStatus.PARKED, DeliveryStatus.STANDBY);

    private final StatusReporter status;
    private final SyncService sync;
    private final IngestServer ingest;
    private final DiskSpace disk;
    private final Retention retention;
    private final Ledger ledger;
    private final ConfigReloader reloader;
    private final LogLevels logLevels = new LogLevels();
    private final Clock clock;

    /** @param configSource reads the configuration again for {@code reload-config} */
    public AgentCommands(StatusReporter status, SyncService sync, IngestServer ingest, DiskSpace disk,
                         Retention retention, Ledger ledger, SilenceWatch silence, AgentConfig config,
                         Callable<AgentConfig> configSource, Clock clock) {
        this.status = status;
        this.sync = sync;
        this.ingest = ingest;
        this.disk = disk;
        this.retention = retention;
        this.ledger = ledger;
        this.reloader = new ConfigReloader(configSource, config, ingest, sync, silence);
        this.clock = clock;
    }

    public CommandRegistry registry(String agentId) {
        Command.Param upstream = optional("upstream", STRING, "an upstream's name; absent: all");
        Command.Param page = optional("page", INTEGER, "1 and up; default 1");
        Command.Param perPage = optional("per-page", INTEGER, "1-" + MAX_PAGE + "; default 50");
        return new CommandRegistry(agentId, List.of(
                new Command("status", "the agent's status, as GET /api/v1/status", List.of(), args -> status.snapshot()),
                new Command("ping", "is the agent there", List.of(), args -> Map.of("pong", true,
                        "version", StatusReporter.version(), "time", clock.instant().toString())),
                new Command("pause", "no new transfer starts (running ones finish)", List.of(upstream),
                        args -> Map.of("paused", sync.pause(knownUpstream(args)))),
                new Command("resume", "transfers start again", List.of(upstream),
                        args -> Map.of("resumed", sync.resume(knownUpstream(args)))),
                new Command("resync", "deliver again every spool file matching a glob", List.of(
                        required("glob", STRING, "a path glob under the spool, e.g. cams/gate/**"), upstream),
                        this::resync),
                new Command("retry", "parked deliveries (or one delivery) are tried now", List.of(
                        optional("delivery", INTEGER, "one delivery's id; absent: every parked one"), upstream),
                        this::retry),
                new Command("cancel", "a waiting or parked delivery is given up",
                        List.of(required("delivery", INTEGER, "the delivery's id, from queue")), this::cancel),
                new Command("queue", "deliveries still owed, oldest first", List.of(
                        optional("state", STRING, "pending, active or parked; absent: all three"), upstream, page,
                        perPage), this::queue),
                new Command("transfers", "finished deliveries (delivered or parked), newest first",
                        List.of(upstream, page, perPage), this::transfers),
                new Command("purge-delivered",
                        "delete the spool copy of every file nothing is owed for (delivered or cancelled)", List.of(),
                        args -> Map.of("deleted", retention.purgeDelivered())),
                new Command("sessions", "connected FTP clients", List.of(), args -> Map.of("sessions", ingest.sessions())),
                new Command("kick", "close one FTP client's connection",
                        List.of(required("session", STRING, "a session id, from sessions")), this::kick),
                new Command("log-level", "set a logger's level until the next restart", List.of(
                        required("logger", STRING, "a logger name, e.g. io.edgesync.agent.sync, or root"),
                        required("level", STRING, "ERROR, WARN, INFO, DEBUG, TRACE, OFF or ALL")),
                        args -> logLevels.set(args.requiredString("logger"), args.requiredString("level"))),
                new Command("reload-config", "apply changed users, upstream logins, bandwidth limits, budgets and"
                        + " priorities without a restart", List.of(), args -> reloader.reload()),
                new Command("bandwidth", "show the bandwidth limits, or override one for a while", List.of(
                        optional("upstream", STRING, "an upstream's name; absent: the agent's own limit"),
                        optional("limit", STRING, "a rate such as 2Mbit or 256KiB, off (no limit), or schedule (end"
                                + " the override); absent: only show"),
                        optional("for", STRING, "how long the override lasts, e.g. 2h; default 1h, at most 7d")),
                        this::bandwidth),
                new Command("budget", "show the data budgets, or raise one for its current period", List.of(
                        optional("upstream", STRING, "an upstream's name; required with raise"),
                        optional("raise", STRING, "bytes to add, e.g. 500MB; absent: only show"),
                        optional("period", STRING, "day or month; absent: each the upstream has (raised, or shown)")),
                        this::budget),
                new Command("disk", "free space of the data folder and the spool's size", List.of(), args -> disk())));
    }

    private static final Duration MAX_OVERRIDE = Duration.ofDays(7);

    private Object bandwidth(CommandArgs args) throws CommandException {
        Optional<String> upstream = knownUpstream(args);
        Optional<String> limit = args.string("limit");
        if (limit.isEmpty() && args.string("for").isPresent()) {
            throw CommandException.badArguments("'for' needs 'limit': the rate to hold for that long");
        }
        if (limit.isPresent()) {
            Duration duration = Duration.ofHours(1);
            if (args.string("for").isPresent()) {
                try {
                    duration = io.edgesync.agent.config.Durations.parse(args.requiredString("for"));
                } catch (IllegalArgumentException e) {
                    throw CommandException.badArguments("'for': " + io.edgesync.agent.config.Durations.ALLOWED);
                }
                if (duration.compareTo(Duration.ofSeconds(1)) < 0 || duration.compareTo(MAX_OVERRIDE) > 0) {
                    throw CommandException.badArguments("'for' must be between 1s and 7d (an override is temporary;"
                            + " a lasting limit belongs in the configuration)");
                }
            }
            Optional<Long> rate;
            if (limit.get().trim().equalsIgnoreCase("schedule")) {
                rate = Optional.empty();
            } else {
                try {
                    rate = Optional.of(io.edgesync.agent.config.BandwidthSchedule.parseRate("limit", limit.get()));
                } catch (io.edgesync.agent.config.ConfigException e) {
                    throw CommandException.badArguments(String.join("; ", e.problems())
                            + "; or 'schedule' to end an override");
                }
            }
            sync.overrideBandwidth(upstream, rate, duration);
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("agent", sync.agentBandwidth());
        Map<String, Object> upstreams = new LinkedHashMap<>();
        sync.status().forEach(u -> upstreams.put(u.name(), u.bandwidth()));
        reply.put("upstreams", upstreams);
        return reply;
    }

    private Object budget(CommandArgs args) throws Exception {
        Optional<String> upstream = knownUpstream(args);
        Optional<String> raise = args.string("raise");
        Optional<String> period = args.string("period");
        if (period.isPresent() && !List.of("day", "month").contains(period.get())) {
            throw CommandException.badArguments("'period' is day or month");
        }

        if (raise.isPresent()) {
            if (upstream.isEmpty()) {
                throw CommandException.badArguments("'raise' needs 'upstream': whose budget to raise");
            }
            long bytes;
            try {
                bytes = io.edgesync.agent.config.Sizes.parse(raise.get());
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw CommandException.badArguments("'raise': " + io.edgesync.agent.config.Sizes.ALLOWED);
            }
            if (bytes <= 0 || bytes > (1L << 50)) {
                throw CommandException.badArguments("'raise' must be between 1 byte and 1 PiB");
            }
            List<String> periods = period.map(List::of).orElseGet(() -> sync.budgets(upstream)
                    .getOrDefault(upstream.get(), List.of()).stream().map(io.edgesync.agent.sync.BudgetState::period)
                    .toList());
            if (periods.isEmpty()) {
                throw CommandException.conflict("upstream " + upstream.get() + " has no budget (upstreams[].budget)");
            }
            for (String p : periods) {
                try {
                    sync.raiseBudget(upstream.get(), p, bytes);
                } catch (IllegalArgumentException e) {
                    throw CommandException.conflict(e.getMessage());
                }
            }
        }
        Map<String, List<io.edgesync.agent.sync.BudgetState>> shown = new LinkedHashMap<>();
        sync.budgets(upstream).forEach((name, periods) -> shown.put(name, periods.stream()
                .filter(b -> period.isEmpty() || b.period().equals(period.get())).toList()));
        return Map.of("budgets", shown);
    }

    private Optional<String> knownUpstream(CommandArgs args) throws CommandException {
        Optional<String> name = args.string("upstream");
        if (name.isPresent() && !sync.upstreamNames().contains(name.get())) {
            throw CommandException.notFound("no upstream named '" + name.get() + "'; upstreams: "
                    + String.join(", ", sync.upstreamNames()));
        }
        return name;
    }

    private Object resync(CommandArgs args) throws Exception {
        String glob = args.requiredString("glob");
        io.edgesync.agent.config.Glob matcher;
        try {
            matcher = io.edgesync.agent.config.Glob.of(glob);
        } catch (IllegalArgumentException e) {
            throw CommandException.badArguments("'glob' is not a valid glob: " + e.getMessage());
        }
        SyncService.Resync done = sync.resync(matcher, knownUpstream(args));
        return Map.of("files", done.files(), "queued", done.queued());
    }

    private Object retry(CommandArgs args) throws Exception {
        Optional<Long> id = args.integer("delivery");
        if (id.isEmpty()) {
            return Map.of("retried", sync.retryParked(knownUpstream(args)));
        }
        if (args.string("upstream").isPresent()) {
            throw CommandException.badArguments("give 'delivery' or 'upstream', not both");
        }
        Ledger.OwedDelivery delivery = delivery(id.get());
        if (!sync.retry(delivery)) {
            throw CommandException.conflict("delivery " + id.get() + " is " + delivery.state().label()
                    + "; only a pending or parked delivery can be retried (resync delivers a delivered file again)");
        }
        return Map.of("retried", 1, "delivery", describe(delivery));
    }

    private Object cancel(CommandArgs args) throws Exception {
        long id = args.integer("delivery").orElseThrow();
        Ledger.OwedDelivery delivery = delivery(id);
        if (!sync.cancel(delivery)) {
            throw CommandException.conflict("delivery " + id + " is " + delivery.state().label()
                    + "; only a pending or parked delivery can be cancelled");
        }
        return Map.of("cancelled", describe(delivery));
    }

    private Ledger.OwedDelivery delivery(long id) throws Exception {
        return sync.delivery(id).orElseThrow(() -> CommandException.notFound("no delivery " + id));
    }

    private Object queue(CommandArgs args) throws Exception {
        List<DeliveryStatus> states = OWED_STATES;
        Optional<String> state = args.string("state");
        if (state.isPresent()) {
            Optional<DeliveryStatus> named = DeliveryStatus.parse(state.get()).filter(DeliveryStatus::owed);
            if (named.isEmpty()) {
                throw CommandException.badArguments("'state' must be pending, active, parked or standby");
            }
            states = List.of(named.get());
        }
        int perPage = args.integer("per-page", 50, 1, MAX_PAGE);
        int pageNo = args.integer("page", 1, 1, 1_000_000);
        Ledger.Page<Ledger.OwedDelivery> found = sync.queue(states, knownUpstream(args), (pageNo - 1) * perPage,
                perPage);
        return Map.of("total", found.total(), "page", pageNo, "perPage", perPage,
                "items", withRules(found.items()));
    }

    private Object transfers(CommandArgs args) throws Exception {
        int perPage = args.integer("per-page", 50, 1, MAX_PAGE);
        int pageNo = args.integer("page", 1, 1, 1_000_000);
        List<Transfer> found = sync.transfers(knownUpstream(args), (pageNo - 1) * perPage, perPage);
        Map<String, Map<Long, io.edgesync.agent.ledger.Rules.Standing>> standings = standings(found.stream()
                .map(t -> Map.entry(t.upstream(), t.fileId())).toList());
        return Map.of("page", pageNo, "perPage", perPage, "items", found.stream().map(t -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("delivery", t.deliveryId());
            m.put("path", t.path());
            m.put("upstream", t.upstream());
            m.put("size", t.size());
            m.put("state", t.state().label());
            m.put("attempts", t.attempts());
            m.put("at", t.at().toString());
            m.put("durationMs", t.took().map(Duration::toMillis).orElse(null));
            m.put("error", t.lastError().orElse(null));
            putRule(m, standings.get(t.upstream()).get(t.fileId()));
            return m;
        }).toList());
    }

    private Object kick(CommandArgs args) throws CommandException {
        String id = args.requiredString("session");
        return Map.of("kicked", ingest.kick(id).orElseThrow(() -> CommandException.notFound("no session " + id
                + "; sessions lists them")));
    }

    private Object disk() throws Exception {
        DiskSpace.Reading r = disk.read();
        Ledger.Totals spool = ledger.reports().inSpool();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", r.path().toString());
        m.put("freeBytes", r.freeBytes());
        m.put("totalBytes", r.totalBytes());
        m.put("floorBytes", r.floorBytes());
        m.put("belowFloor", r.belowFloor());
        m.put("spoolFiles", spool.files());
        m.put("spoolBytes", spool.bytes());
        return m;
    }

    /** The queue's entries, each with where its file stands under its delivery rule, when it has one. */
    private List<Map<String, Object>> withRules(List<Ledger.OwedDelivery> items) throws Exception {
        Map<String, Map<Long, io.edgesync.agent.ledger.Rules.Standing>> standings = standings(items.stream()
                .map(d -> Map.entry(d.upstream(), d.fileId())).toList());
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Ledger.OwedDelivery d : items) {
            Map<String, Object> m = describe(d);
            putRule(m, standings.get(d.upstream()).get(d.fileId()));
            out.add(m);
        }
        return out;
    }

    /** Where each (upstream, file) stands under the upstream's delivery rule, by upstream then file id. */
    private Map<String, Map<Long, io.edgesync.agent.ledger.Rules.Standing>> standings(
            List<Map.Entry<String, Long>> deliveries) throws Exception {
        Map<String, Map<Long, io.edgesync.agent.ledger.Rules.Standing>> out = new java.util.HashMap<>();
        for (String upstream : deliveries.stream().map(Map.Entry::getKey).distinct().toList()) {
            out.put(upstream, sync.standings(upstream, deliveries.stream().filter(e -> e.getKey().equals(upstream))
                    .map(Map.Entry::getValue).distinct().toList()));
        }
        return out;
    }

    private static void putRule(Map<String, Object> m, io.edgesync.agent.ledger.Rules.Standing s) {
        if (s == null) {
            return;
        }
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("name", s.rule());
        rule.put("rule", s.label());
        rule.put("needed", s.needed());
        rule.put("deliveredTo", s.deliveredTo());
        rule.put("met", s.met());
        rule.put("states", s.states());
        m.put("rule", rule);
    }

    private Map<String, Object> describe(Ledger.OwedDelivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("delivery", d.id());
        m.put("path", d.path());
        m.put("upstream", d.upstream());
        m.put("size", d.size());
        m.put("state", d.state().label());
        m.put("attempts", d.attempts());
        m.put("receivedAt", d.receivedAt().toString());
        m.put("nextAttemptAt", d.state() == DeliveryStatus.PENDING ? d.nextAttemptAt().toString() : null);
        m.put("error", d.lastError().orElse(null));
        d.remotePath().ifPresent(r -> m.put("upstreamPath", r));
        return m;
    }
}
