package io.edgesync.agent;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.ConfigException;
import io.edgesync.agent.config.ConfigLoader;
import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.control.AgentCommands;
import io.edgesync.agent.control.CommandRegistry;
import io.edgesync.agent.control.MqttCommands;
import io.edgesync.agent.control.SilenceWatch;
import io.edgesync.agent.control.SiteReport;
import io.edgesync.agent.control.StatusReporter;
import io.edgesync.agent.demo.Demo;
import io.edgesync.agent.http.HealthChecks;
import io.edgesync.agent.http.HttpApi;
import io.edgesync.agent.ingest.IngestServer;
import io.edgesync.agent.ingest.TlsDataSockets;
import io.edgesync.agent.ledger.HistoryPruner;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.ledger.NewerLedgerException;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.spool.Arrivals;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.Retention;
import io.edgesync.agent.spool.Routing;
import io.edgesync.agent.spool.SpoolLock;
import io.edgesync.agent.spool.SpoolReconciler;
import io.edgesync.agent.spool.StorageHealth;
import io.edgesync.agent.sync.SyncService;
import io.edgesync.agent.systemd.JournalLevels;
import io.edgesync.agent.systemd.ServiceManager;
import io.edgesync.agent.systemd.ServiceWatchdog;
import io.edgesync.agent.systemd.StatusLine;
import io.edgesync.agent.sync.ftp.TlsResumption;
import io.edgesync.agent.telemetry.EventSink;
import io.edgesync.agent.telemetry.LogRedaction;
import io.edgesync.agent.telemetry.Metrics;
import io.edgesync.agent.telemetry.MqttLink;
import io.edgesync.agent.telemetry.MqttTelemetry;
import io.edgesync.agent.telemetry.PahoLink;
import io.edgesync.agent.telemetry.Throughput;
import io.edgesync.agent.telemetry.Topics;
import io.helidon.logging.common.LogConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * Wiring only: reads the configuration, builds each part with its constructor, starts them in order and
 * stops them in reverse on shutdown. Exit codes: 2 bad configuration or arguments, 3 cannot start, 4 the
 * ledger is a newer edgesync's (a downgrade).
 */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** How long the service watchdog waits for the FTP port's greeting. */
    private static final Duration WATCHDOG_PROBE = Duration.ofSeconds(10);

    private Main() {
    }

    public static void main(String[] args) {
        TlsResumption.configureJdk(); // before anything touches TLS
        TlsDataSockets.configureJdk();
        LogConfig.configureRuntime();
        LogRedaction.install(); // no level of any logger prints a secret
        JournalLevels.installIfJournal(); // under systemd, each line carries its priority
        Arguments arguments;
        AgentConfig config;
        try {
            arguments = Arguments.parse(args);
            if (arguments.hashPassword()) {
                // a command-line tool's result goes to standard output, not to the log
                System.exit(HashPasswordCommand.run(System.console(), System.in, System.out, System.err));
                return;
            }
            config = configSource(arguments).call();
            if (arguments.demo()) {
                Demo.publishedSecrets(config).forEach(Secret::notSecret);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "hash-password: cannot read the password: {0}", e.getMessage());
            System.exit(2);
            return;
        } catch (ConfigException e) {
            e.problems().forEach(p -> LOG.log(System.Logger.Level.ERROR, "configuration: {0}", p));
            LOG.log(System.Logger.Level.ERROR, "not started: fix the configuration above (see README, Configuration)");
            System.exit(2);
            return;
        }
        warnAboutPlainPasswords(config);
        checkTlsResumption(config);
        try {
            run(config, arguments.demo(), arguments.rebuildLedger(), configSource(arguments));
        } catch (NewerLedgerException e) {
            LOG.log(System.Logger.Level.ERROR, "not started: {0}", e.getMessage());
            System.exit(4); // the unit does not restart this one: only an upgrade or the operator can fix it
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "not started: " + e.getMessage(), e);
            System.exit(3);
        }
    }

    /**
     * The self-check of the one JDK internal the sync side relies on: without it FTPS data connections start
     * new TLS sessions, which servers that demand resumption (vsftpd's default) refuse. Said at start, once,
     * when an upstream uses FTPS, instead of at the first refused transfer.
     */
    private static void checkTlsResumption(AgentConfig config) {
        boolean ftps = config.upstreams().stream().anyMatch(u -> u.url().getScheme().equals("ftps"));
        TlsResumption.unavailable().filter(problem -> ftps).ifPresent(problem -> LOG.log(System.Logger.Level.WARNING,
                "FTPS data connections cannot resume the control connection''s TLS session ({0}): upstreams that"
                        + " demand it (vsftpd''s require_ssl_reuse) will refuse transfers; start the agent with"
                        + " java -jar (its manifest opens java.base/sun.security.ssl and sun.security.util)", problem));
    }

    /** Where the configuration comes from, at start and for {@code reload-config}. */
    private static ConfigSource configSource(Arguments arguments) {
        return arguments.demo() ? () -> ConfigLoader.loadResource("edgesync-demo.yaml")
                : () -> ConfigLoader.load(Optional.of(arguments.config()));
    }

    /** Reads the configuration; {@link ConfigException} names every problem. */
    @FunctionalInterface
    private interface ConfigSource extends Callable<AgentConfig> {
        @Override
        AgentConfig call() throws ConfigException;
    }

    private static void run(AgentConfig config, boolean demo, boolean rebuildLedger, Callable<AgentConfig> configSource)
            throws IOException {
        Clock clock = Clock.systemUTC();
        Path dataDir = config.agent().dataDir();
        prepareDataDir(dataDir);
        if (config.agent().spoolApart()) {
            prepareSpoolDir(config.agent().filesDir());
        }
        List<Path> disks = config.agent().spoolApart() ? List.of(dataDir, config.agent().filesDir()) : List.of(dataDir);
        FileLock owner = lockDataDir(dataDir); // held until the JVM ends
        checkLedgerPresent(config, rebuildLedger);
        Ledger ledger = Ledger.open(config.agent().ledgerFile());
        if (config.agent().spoolApart()) {
            checkSpoolMounted(config, ledger);
        }
        LedgerMark mark = new LedgerMark(dataDir.resolve("ledger.mark"));
        mark.check(ledger, rebuildLedger);
        SpoolReconciler reconciler = new SpoolReconciler(config.agent().spoolDir(), config.agent().quarantineDir(),
                ledger, config.ftp().ignore(), clock);
        Metrics metrics = new Metrics();
        DiskSpace disk = new DiskSpace(disks, config.disk());
        SpoolLock spoolLock = new SpoolLock();
        Topics topics = new Topics(config.mqtt().topicPrefix(), config.agent().id());
        Optional<MqttLink> link = config.mqtt().enabled()
                ? Optional.of(new PahoLink(config.mqtt(), MqttTelemetry.will(topics)))
                : Optional.empty();
        Optional<MqttTelemetry> mqtt = link.map(l -> new MqttTelemetry(config.mqtt(), topics, l, metrics::snapshot,
                metrics.registry()));
        Optional<Demo> demoParts = demo ? Optional.of(new Demo(config)) : Optional.empty();
        Throughput throughput = new Throughput();
        List<EventSink> outwardSinks = new ArrayList<>(List.of(metrics, throughput));
        mqtt.ifPresent(outwardSinks::add);
        demoParts.ifPresent(outwardSinks::add);
        EventSink outward = EventSink.fanOut(outwardSinks);
        SilenceWatch silence = new SilenceWatch(config.ftp().users(), ledger, outward, clock);
        EventSink events = EventSink.fanOut(List.of(outward, silence));
        Retention retention = new Retention(config.retention(), disk, spoolLock, ledger, config.agent().spoolDir(),
                events, clock);
        // retention hears of deliveries from sync; its own deletions go to metrics and MQTT
        EventSink heard = EventSink.fanOut(List.of(events, retention));
        Routing routing = new Routing(config);
        SyncService sync = new SyncService(config, routing, ledger, heard, clock);
        Arrivals arrivals = new Arrivals(ledger, routing, heard, clock, sync);
        if (rebuildLedger) {
            rebuild(reconciler, arrivals, config);
        }
        reconciler.reconcile();
        mark.write(ledger);
        HistoryPruner pruner = new HistoryPruner(ledger, config.ledger().historyKeep(), clock);
        StorageHealth storage = new StorageHealth(disks, events, clock);
        IngestServer ingest = new IngestServer(config.ftp(), config.agent().spoolDir(), config.agent().incomingDir(),
                arrivals, disk, spoolLock, events, metrics.registry(), new SiteReport(config.agent().id(), ledger, sync, clock),
                storage, retention::makeRoom, clock);
        BooleanSupplier mqttConnected = () -> link.map(MqttLink::connected).orElse(false);
        StatusReporter status = new StatusReporter(config.agent().id(), ingest, sync, ledger, disk, mqtt.isPresent(),
                mqttConnected, Optional.of(silence), clock);
        status.show(throughput, config.ftp().users());
        metrics.startAtZero(config.ftp().users().stream().map(io.edgesync.agent.config.FtpSettings.User::name).toList(),
                config.upstreams().stream().map(io.edgesync.agent.config.UpstreamSettings::name).toList());
        sync.registerGauges(metrics);
        metrics.counter("edgesync.ledger.commits", "Ledger commits (each one fsync of the WAL)", ledger, Ledger::commits);
        metrics.counter("edgesync.ledger.writes", "Ledger writes; several share a commit when they arrive together",
                ledger, Ledger::committedWrites);
        disk.registerGauges(metrics);
        metrics.gauge("edgesync.silent.devices", "Device accounts past their expect-every without an upload now",
                silence, s -> s.silent().size());
        metrics.gauge("edgesync.info", "Always 1; its labels say which agent and version this is", config,
                c -> 1, "agent", config.agent().id(), "version", StatusReporter.version());
        storage.registerGauges(metrics);
        CommandRegistry commands = new AgentCommands(status, sync, ingest, disk, retention, ledger, silence, config,
                configSource, clock).registry(config.agent().id());
        Optional<MqttCommands> mqttCommands = link.map(l -> new MqttCommands(commands, l, topics, config.mqtt().groups(),
                metrics.registry()));
        HttpApi http = new HttpApi(config.http(), metrics, status, commands, HealthChecks.all(ingest, ledger, sync, disk,
                storage, mqtt.isPresent(), mqttConnected, silence::silent));
        ServiceWatchdog watchdog = new ServiceWatchdog(ServiceManager.fromEnvironment(), List.of(
                new ServiceWatchdog.Part("ftp", () -> ingest.answers(WATCHDOG_PROBE)),
                new ServiceWatchdog.Part("ledger", () -> {
                    ledger.commitProbe();
                    return Optional.empty();
                }),
                new ServiceWatchdog.Part("sync", sync::stuckWorker)), () -> StatusLine.of(sync, clock));

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.log(System.Logger.Level.INFO, "stopping (data folder held: {0})", owner.isValid());
            watchdog.close();
            ingest.stop();
            sync.stop(STOP_GRACE);
            storage.close();
            pruner.close();
            retention.close();
            silence.close();
            mqttCommands.ifPresent(MqttCommands::close);
            mqtt.ifPresent(MqttTelemetry::close);
            http.stop();
            demoParts.ifPresent(Demo::stop);
            metrics.close();
            try {
                mark.write(ledger);
                ledger.close();
            } catch (LedgerException e) {
                LOG.log(System.Logger.Level.WARNING, "ledger close: {0}", e.getMessage());
            }
        }, "shutdown"));

        demoParts.ifPresent(Demo::startUpstream);
        sync.start();
        storage.start();
        pruner.start();
        retention.start();
        silence.start();
        ingest.start();
        mqtt.ifPresent(m -> m.start(() -> {
            try {
                return status.snapshot().withoutHistory();
            } catch (LedgerException e) {
                throw new UncheckedIOException(e);
            }
        }));
        mqttCommands.ifPresent(MqttCommands::start);
        link.ifPresent(MqttLink::start);
        http.start();
        LOG.log(System.Logger.Level.INFO, "edgesync {0} started as agent {1}, data in {2}", StatusReporter.version(),
                config.agent().id(), dataDir);
        watchdog.start(); // READY=1
        demoParts.ifPresent(d -> d.uploadSample(ingest.port(), http.port()));
    }

    /**
     * A ledger that is missing or empty while the spool holds files was lost: starting with a new one would
     * quarantine every file the devices were told is stored. Refused, unless {@code --rebuild-ledger} asks
     * for a new ledger with every spool file owed again (an upstream that has a file gets it again under the
     * same name, which its rename makes harmless). An older ledger (a backup put back) is {@link LedgerMark}'s.
     */
    private static void checkLedgerPresent(AgentConfig config, boolean rebuild) throws IOException {
        Path file = config.agent().ledgerFile();
        boolean present = Files.exists(file) && Files.size(file) > 0;
        if (!present && !rebuild && SpoolReconciler.holdsFiles(config.agent().spoolDir(), config.ftp().ignore())) {
            throw new IOException("the ledger " + file + " is " + (Files.exists(file) ? "empty" : "missing")
                    + " but the spool " + config.agent().spoolDir() + " holds files: the ledger was lost (this is not"
                    + " a first start), and starting with a new one would quarantine files the devices were told are"
                    + " stored. Restore " + file + " from a backup, or start once with --rebuild-ledger to deliver"
                    + " every file in the spool again");
        }
    }

    /**
     * The ledger from the spool: every file there that is not the version the ledger knows (all of them for a
     * new ledger) is recorded as received now and owed to its upstreams.
     */
    private static void rebuild(SpoolReconciler reconciler, Arrivals arrivals, AgentConfig config) throws IOException {
        List<ReceivedFile> files = reconciler.unknown(path -> config.ftp().users().stream()
                .filter(u -> path.startsWith(u.home() + "/")).map(FtpSettings.User::name).findFirst().orElse("unknown"));
        for (ReceivedFile file : files) {
            arrivals.accept(file);
        }
        LOG.log(System.Logger.Level.WARNING, "--rebuild-ledger: the ledger now has the {0} file(s) of the spool it"
                + " did not know, each owed to its upstreams again", files.size());
    }

    private static void warnAboutPlainPasswords(AgentConfig config) {
        for (int i = 0; i < config.ftp().users().size(); i++) {
            if (config.ftp().users().get(i).password() instanceof Password.Plain) {
                LOG.log(System.Logger.Level.WARNING, "ftp.users.{0}.password ({1}) is plain text; store a hash"
                        + " from ''edgesync-agent hash-password'' instead", i, config.ftp().users().get(i).name());
            }
        }
    }

    /**
     * One agent per data folder: a second one (a stray manual start beside the service) would clear the
     * first's uploads in progress and send its deliveries a second time, in parallel.
     */
    private static FileLock lockDataDir(Path dataDir) throws IOException {
        Path file = dataDir.resolve(".lock");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            String holder = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8).trim();
            channel.close();
            throw new IOException("agent.data-dir: " + dataDir + " is in use by another edgesync agent"
                    + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; stop it first, or give this one a data"
                    + " folder of its own");
        }
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return lock;
    }

    /**
     * {@code agent.spool-dir} must exist already: it is meant to be a mount (a USB stick, an SSD), and a folder
     * made where the mount is missing would fill the root file system instead, unseen.
     */
    private static void prepareSpoolDir(Path filesDir) throws IOException {
        if (!Files.isDirectory(filesDir)) {
            throw new IOException("agent.spool-dir: " + filesDir + (Files.exists(filesDir) ? " is not a folder"
                    : " does not exist") + "; mount the disk it is on (or create the folder) and give the agent's"
                    + " user write access; it is not created, so that a missing mount does not fill the root file"
                    + " system");
        }
        prepareDataDir(filesDir);
    }

    /**
     * The ledger says the spool holds files, and {@code agent.spool-dir} holds no spool at all: its disk is not
     * mounted (the empty mount folder is there). Starting would park every delivery ("the spool file is gone")
     * and take new uploads onto the root file system, hidden once the disk is back.
     */
    private static void checkSpoolMounted(AgentConfig config, Ledger ledger) throws IOException {
        Path spool = config.agent().spoolDir();
        long files = ledger.reports().inSpool().files();
        boolean empty;
        try (var entries = Files.list(config.agent().filesDir())) {
            empty = !Files.isDirectory(spool) || entries.findAny().isEmpty();
        }
        if (files > 0 && empty) {
            throw new IOException("agent.spool-dir: the ledger holds " + files + " file(s) in the spool, and "
                    + spool + " does not exist: is the disk of " + config.agent().filesDir() + " mounted? Mount it"
                    + " and start again (to start afresh instead, empty the data folder's ledger as well)");
        }
    }

    private static void prepareDataDir(Path dataDir) throws IOException {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IOException("agent.data-dir: cannot create " + dataDir + " (" + e + "); create it and give the"
                    + " agent's user write access", e);
        }
        try {
            Files.deleteIfExists(Files.createTempFile(dataDir, ".write-check", ".tmp"));
        } catch (IOException e) {
            // under the systemd unit every folder but /var/lib/edgesync is read-only (ProtectSystem=strict),
            // whatever its owner and mode say
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.toString();
            throw new IOException("agent.data-dir: cannot write in " + dataDir + " (" + why + "). Give the agent's"
                    + " user write access; under the packaged systemd unit, a folder other than /var/lib/edgesync"
                    + " is read-only until a drop-in allows it: systemctl edit edgesync-agent, then [Service]"
                    + " ReadWritePaths=" + dataDir, e);
        }
    }
}
