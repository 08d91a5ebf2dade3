package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.IgnoredNames;
import io.edgesync.agent.spool.Partials;
import io.edgesync.agent.spool.Retention;
import io.edgesync.agent.spool.SpoolLock;
import io.edgesync.agent.spool.SpoolWriter;
import io.edgesync.agent.spool.StorageHealth;
import io.edgesync.agent.spool.UploadSink;
import io.edgesync.agent.telemetry.EventSink;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ftpserver.ConnectionConfigFactory;
import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.command.CommandFactoryFactory;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.Ftplet;
import org.apache.ftpserver.impl.DefaultFtpServer;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.listener.Listener;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.listener.nio.NioListener;
import org.apache.ftpserver.ssl.SslConfiguration;
import org.apache.ftpserver.ssl.SslConfigurationFactory;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.session.IoEventType;
import org.apache.mina.filter.executor.ExecutorFilter;
import org.apache.mina.transport.socket.SocketAcceptor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The embedded FTP server the devices upload to: Apache FtpServer with the users from configuration,
 * uploads and renames that are acknowledged only once durable ({@link DurableUpload}, {@link DurableRename}),
 * new uploads refused below the disk floor, permission letters enforced on every command, failed logins
 * limited per client address ({@link LoginGuard}), and anonymous login, active-mode bounces and unbounded
 * passive ports off.
 *
 * <p>Lifecycle: construct, {@link #start()}, {@link #stop()}. Thread-safe after start.
 */
public final class IngestServer {
    private static final System.Logger LOG = System.getLogger(IngestServer.class.getName());
    private static final String LISTENER = "default";

    private final FtpSettings settings;
    private final Path spool;
    private final Path incoming;
    private final FtpServer server;
    private final Listener listener;
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private final Accounts accounts;
    private final Feat feat;
    /** Each listener's dispatch of session events, set by {@link #start()} (none if it could not be replaced). */
    private final List<InlineCommands> dispatch = new CopyOnWriteArrayList<>();
    private final Partials partials;
    private final MeterRegistry registry;
    private final ConnectionLimiter limiter;
    private final PassiveDataConnections passive;
    private Thread partialSweeper;

    /**
     * @param lock shared with {@link Retention}
     * @param events told of refused uploads
     * @param registry where the login counters go
     * @param siteInfo what SITE SYNC, SITE QUEUE and STAT report
     * @param storage told of local write failures; while it is failed, uploads are refused
     * @param room asked for this many bytes above the disk floor when an upload did not fit
     */
    public IngestServer(FtpSettings settings, Path spool, Path incoming, UploadSink sink, DiskSpace disk,
                        SpoolLock lock, EventSink events, MeterRegistry registry, SiteInfo siteInfo,
                        StorageHealth storage, LongConsumer room, Clock clock) {
        this.settings = settings;
        this.spool = spool.toAbsolutePath().normalize();
        this.incoming = incoming.toAbsolutePath().normalize();
        this.accounts = new Accounts(settings.users());
        this.partials = new Partials(this.incoming, settings.partialKeep(), clock);
        Intake intake = new Intake(this.spool, this.incoming, sink, disk, new IgnoredNames(settings.ignore()), events,
                lock, accounts, partials, storage, room, clock);

        FtpServerFactory factory = new FtpServerFactory();
        Optional<SslConfiguration> ssl = settings.tls().map(IngestServer::ssl);
        this.registry = registry;
        this.limiter = new ConnectionLimiter(settings.maxConnections(), settings.maxConnectionsPerIp(),
                settings.login().timeout(), registry);
        this.passive = new PassiveDataConnections(settings.passivePortsTo() - settings.passivePortsFrom() + 1, registry);
        this.listener = listener(settings, settings.port(), ssl, false, limiter);
        listeners.put(LISTENER, listener);
        ssl.filter(x -> settings.tls().orElseThrow().implicitPort() > 0).ifPresent(x -> listeners.put("implicit",
                listener(settings, settings.tls().orElseThrow().implicitPort(), ssl, true, limiter)));
        factory.setListeners(listeners);

        ConnectionConfigFactory connections = new ConnectionConfigFactory();
        connections.setAnonymousLoginEnabled(settings.anonymous());
        connections.setMaxLogins(settings.maxLogins());
        connections.setLoginFailureDelay(0); // FtpServer sleeps in a server thread; LoginGuard delays without one
        factory.setConnectionConfig(connections.createConnectionConfig());

        factory.setUserManager(new ConfigUserManager(accounts, this.spool, settings.maxLogins(),
                settings.anonymous()));
        factory.setFileSystem(new ConfinedFileSystem());

        this.feat = new Feat(ssl.isPresent(), accounts);
        CommandFactoryFactory commands = new CommandFactoryFactory();
        commands.addCommand("STOR", new DurableUpload(DurableUpload.Mode.STORE, intake));
        commands.addCommand("APPE", new DurableUpload(DurableUpload.Mode.APPEND, intake));
        commands.addCommand("STOU", new DurableUpload(DurableUpload.Mode.UNIQUE, intake));
        commands.addCommand("RNTO", new DurableRename(intake));
        commands.addCommand("PASS", new GuardedPass(new LoginGuard(settings.login(), registry), accounts));
        commands.addCommand("PORT", ActivePortGuard.port());
        commands.addCommand("EPRT", ActivePortGuard.eprt());
        commands.addCommand("FEAT", feat);
        commands.addCommand("ALLO", new Allo());
        commands.addCommand("REST", new Restart());
        commands.addCommand("RETR", Restart.retrieving());
        commands.addCommand("RNFR", new RenameFrom());
        commands.addCommand("EPSV", new EpsvAll());
        commands.addCommand("SIZE", new PartialSize(intake));
        SiteCommands.all(intake, siteInfo).forEach(commands::addCommand);
        factory.setCommandFactory(commands.createCommandFactory());

        Map<String, Ftplet> ftplets = new LinkedHashMap<>(); // FtpServer clears it on stop: not Map.of
        ftplets.put("permissions", new PermissionFtplet(accounts));
        ftplets.put("delete", new DeleteFtplet(intake));
        factory.setFtplets(ftplets);
        this.server = factory.createServer();
        QuietDisconnects.install();
    }

    /** TLS 1.3 or 1.2 with the PKCS12 key and certificate of {@code ftp.tls.keystore}. */
    private static SslConfiguration ssl(FtpSettings.Tls tls) {
        SslConfigurationFactory ssl = new SslConfigurationFactory();
        ssl.setKeystoreFile(tls.keystore().toFile());
        ssl.setKeystorePassword(tls.keystorePassword().reveal());
        ssl.setKeystoreType("PKCS12");
        ssl.setSslProtocol("TLSv1.3", "TLSv1.2");
        return ssl.createSslConfiguration();
    }

    private static Listener listener(FtpSettings settings, int port, Optional<SslConfiguration> ssl, boolean implicit,
                                     ConnectionLimiter limiter) {
        DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
        ssl.map(TlsDataSockets::of).ifPresent(data::setSslConfiguration);
        data.setImplicitSsl(implicit);
        data.setPassivePorts(settings.passivePortsFrom() + "-" + settings.passivePortsTo());
        if (!settings.passiveAddress().isBlank()) {
            data.setPassiveExternalAddress(settings.passiveAddress());
        }
        data.setActiveEnabled(settings.active());
        data.setActiveIpCheck(true);   // PORT/EPRT only to the client's own address (no FTP bounce)
        data.setPassiveIpCheck(true);  // passive data connections only from the control connection's address
        data.setIdleTime((int) Math.max(1, settings.idleTimeout().toSeconds()));

        ListenerFactory listener = new ListenerFactory();
        listener.setServerAddress(settings.bind());
        listener.setPort(port);
        ssl.ifPresent(listener::setSslConfiguration);
        listener.setImplicitSsl(implicit);
        listener.setIdleTimeout((int) Math.max(1, settings.idleTimeout().toSeconds()));
        listener.setDataConnectionConfiguration(data.createDataConnectionConfiguration());
        listener.setSessionFilter(limiter); // one for all listeners: the limits are the agent's
        return listener.createListener();
    }

    /**
     * Creates the spool folders, clears temporaries of uploads that never completed, and starts listening.
     *
     * @throws IOException when a folder cannot be created or the port cannot be bound
     */
    public void start() throws IOException {
        Files.createDirectories(spool);
        for (Path stripe : SpoolWriter.stripes(incoming)) {
            Files.createDirectories(stripe);
        }
        for (FtpSettings.User user : settings.users()) {
            Files.createDirectories(spool.resolve(user.home()));
        }
        clearIncoming();
        partials.sweep();
        FtpServerInternals.check();
        try {
            server.start();
        } catch (FtpException | RuntimeException e) {
            throw new IOException("FTP server cannot listen on " + settings.bind() + ":" + settings.port() + ": "
                    + rootMessage(e), e);
        }
        for (Listener l : listeners.values()) {
            try {
                dispatch.add(tuneAcceptor(l, settings.maxConnections(), feat, registry, passive.filter(
                        ((DefaultFtpServer) server).getServerContext())));
            } catch (IOException | RuntimeException e) {
                server.stop(); // no device may use a server without its protections
                throw new IOException("FTP server: its protections cannot be installed (" + rootMessage(e)
                        + "); edgesync is built for Apache FtpServer 1.2.1", e);
            }
        }
        if (partials.enabled()) {
            Duration every = Duration.ofSeconds(Math.clamp(settings.partialKeep().toSeconds() / 4, 10, 300));
            partialSweeper = Thread.ofVirtual().name("partial-sweep").start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(every);
                        partials.sweep();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        int ports = settings.passivePortsTo() - settings.passivePortsFrom() + 1;
        if (ports < settings.maxLogins()) {
            LOG.log(System.Logger.Level.WARNING, "ftp.passive-ports holds {0} port(s) for up to {1} sessions"
                    + " (ftp.max-logins): each session in passive mode holds one, so devices may get 425; give the"
                    + " range at least {1} ports, e.g. {2,number,#}-{3,number,#}", ports, settings.maxLogins(),
                    settings.passivePortsFrom(), settings.passivePortsFrom() + settings.maxLogins() - 1);
        }
        LOG.log(System.Logger.Level.INFO, "FTP server listening on {0}:{1,number,#} (passive ports {2,number,#}-{3,number,#}), {4} user(s)",
                settings.bind(), port(), settings.passivePortsFrom(), settings.passivePortsTo(), settings.users().size());
    }

    /**
     * Seven changes to FtpServer 1.2.1's MINA acceptor, which it keeps in a private field (read by reflection;
     * if that ever fails the server runs as FtpServer set it up and says so), made before any client is
     * served:
     * <ul>
     * <li>The listen backlog: MINA listens with 50 and FtpServer has no setting for it. A burst of
     * connections (a scanner, a fleet of cameras after a power cut) overflows it, and each dropped SYN costs
     * that client a one-second retransmit.
     * Re-listens with a backlog of {@code ftp.max-connections}; the kernel caps it at
     * {@code net.core.somaxconn}.</li>
     * <li>Where session events run ({@link InlineCommands}): quick commands on MINA's I/O thread, the rest in
     * FtpServer's pool as before. "Message sent" events no longer go through the pool at all: every reply,
     * once written, came back through it only to reach FtpServer's handler, which does nothing with them.</li>
     * <li>FEAT is answered before login too ({@link FeatBeforeLogin}).</li>
     * <li>Urgent data stays in line on control connections (ABOR's Telnet Synch).</li>
     * <li>Passive data connections that wait for their own client ({@link PassiveDataConnections}).</li>
     * <li>A client's unread replies are bounded ({@link ReplyBackpressure}), and command lines the decoder
     * refuses are answered without FtpServer's stack traces ({@link ProtocolErrors}).</li>
     * </ul>
     *
     * Each is part of a guarantee (trust, hostile network), so none is optional: a listener that is not
     * FtpServer's NIO one, or a chain without its thread pool filter, fails the start.
     *
     * @return the new dispatch, which replaced FtpServer's thread pool filter
     */
    private static InlineCommands tuneAcceptor(Listener listener, int backlog, Feat feat,
                                               MeterRegistry registry, IoFilter dataConnections) throws IOException {
        if (!(listener instanceof NioListener nio)) {
            throw new IllegalStateException("listener " + listener.getClass().getName() + " is not FtpServer's NioListener");
        }
        SocketAcceptor acceptor = FtpServerInternals.acceptor(nio);
        InetSocketAddress bound = acceptor.getLocalAddress();
        acceptor.unbind();
        acceptor.setBacklog(Math.max(50, backlog));
        // RFC 959's ABOR comes after Telnet IP and a Synch, whose DM byte is sent as urgent data: kept in
        // line, it is taken out with the other Telnet bytes (InlineCommands); out of line, ftplib's ABOR,
        // sent urgent whole, lost its last byte and never ended a line
        acceptor.getSessionConfig().setOobInline(true);
        if (!(acceptor.getFilterChain().get("threadPool") instanceof ExecutorFilter pool)) {
            throw new IllegalStateException("no thread pool filter in FtpServer's MINA filter chain");
        }
        InlineCommands inline = new InlineCommands(pool.getExecutor(), IoEventType.SESSION_OPENED,
                IoEventType.SESSION_CLOSED, IoEventType.SESSION_IDLE, IoEventType.MESSAGE_RECEIVED,
                IoEventType.EXCEPTION_CAUGHT);
        acceptor.getFilterChain().replace("threadPool", inline);
        acceptor.getFilterChain().addLast("featBeforeLogin", new FeatBeforeLogin(feat));
        acceptor.getFilterChain().addLast("dataConnections", dataConnections);
        acceptor.getFilterChain().addFirst("replyBackpressure", new ReplyBackpressure(registry));
        acceptor.getFilterChain().addAfter("codec", "protocolErrors", new ProtocolErrors(registry));
        // command lines are short: a client that floods them is read in small pieces (64 KiB by default)
        acceptor.getSessionConfig().setMaxReadBufferSize(8 * 1024);
        acceptor.bind(bound);
        return inline;
    }

    /** Reads of quick commands run on MINA's I/O threads so far, over all listeners. */
    long commandsInline() {
        return dispatch.stream().mapToLong(InlineCommands::inline).sum();
    }

    /** Session events not finished yet, over all listeners. */
    long eventsInFlight() {
        return dispatch.stream().mapToLong(InlineCommands::inFlight).sum();
    }

    /** Session events handed to FtpServer's pool so far, over all listeners. */
    long eventsPooled() {
        return dispatch.stream().mapToLong(InlineCommands::pooled).sum();
    }

    /**
     * Uploads that never got a 226 (a crash, a cut connection) leave a temporary in a folder of
     * {@code incoming/} (or in {@code incoming/} itself, from agents before 2026-11): it is never delivered.
     */
    private void clearIncoming() throws IOException {
        int removed = clearParts(incoming);
        for (Path stripe : SpoolWriter.stripes(incoming)) {
            removed += clearParts(stripe);
        }
        if (removed > 0) {
            LOG.log(System.Logger.Level.WARNING, "removed {0} incomplete upload(s) left by an earlier run;"
                    + " their devices never got a 226 and will send them again", removed);
        }
    }

    private static int clearParts(Path folder) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(folder, "*.{part,prev}")) {
            for (Path part : parts) {
                Files.deleteIfExists(part);
                removed++;
            }
        }
        return removed;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * A connected FTP client, for the {@code sessions} command.
     *
     * @param user null before login
     */
    public record SessionInfo(String id, String user, String clientAddress, boolean secure, Instant connectedAt,
                              Instant lastActivityAt) {
    }

    /** The connected FTP clients on every listener, oldest first. */
    public List<SessionInfo> sessions() {
        return activeSessions().map(IngestServer::info)
                .sorted(Comparator.comparing(SessionInfo::connectedAt))
                .toList();
    }

    /**
     * Closes one client's connection at once (an upload it was sending is not acknowledged, and so not kept).
     *
     * @return the session that was closed, if one had that id
     */
    public Optional<SessionInfo> kick(String id) {
        Optional<FtpIoSession> session = activeSessions().filter(s -> s.getSessionId().toString().equals(id))
                .findFirst();
        session.ifPresent(s -> {
            LOG.log(System.Logger.Level.INFO, "session {0} ({1} from {2}) closed by operator", id,
                    Sessions.userName(s), Sessions.clientIp(s));
            s.closeNow();
        });
        return session.map(IngestServer::info);
    }

    private Stream<FtpIoSession> activeSessions() {
        return listeners.values().stream().flatMap(l -> l.getActiveSessions().stream());
    }

    private static SessionInfo info(FtpIoSession s) {
        return new SessionInfo(s.getSessionId().toString(), s.getUser() == null ? null : s.getUser().getName(),
                Sessions.clientIp(s), s.isSecure(), Instant.ofEpochMilli(s.getCreationTime()),
                Instant.ofEpochMilli(s.getLastIoTime()));
    }

    /**
     * Replaces the device accounts ({@code reload-config}): new homes are created, logins from now on use the
     * new set; sessions of accounts that no longer exist are closed, other sessions keep going.
     *
     * @throws IOException when a new home cannot be created (nothing is changed then)
     */
    public void replaceUsers(List<FtpSettings.User> users) throws IOException {
        for (FtpSettings.User user : users) {
            Files.createDirectories(spool.resolve(user.home()));
        }
        accounts.replace(users);
        for (SessionInfo session : sessions()) {
            if (session.user() != null && accounts.get(session.user()).isEmpty()) {
                kick(session.id());
            }
        }
    }

    /** The bound port (the real one when configured as 0). */
    public int port() {
        return listener.getPort();
    }

    /**
     * Connects to the FTP port as a device would and reads the greeting: the acceptor, the I/O threads and
     * the session threads all answer. The service watchdog's check. A {@code 421} (the server is full) is an
     * answer too: a flood of connections must not get the agent restarted.
     *
     * @return the problem, if the port did not greet within {@code timeout}
     */
    public Optional<String> answers(Duration timeout) {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket socket = new Socket()) {
            InetAddress bound = InetAddress.getByName(settings.bind());
            socket.connect(new InetSocketAddress(bound.isAnyLocalAddress() ? InetAddress.getLoopbackAddress()
                    : bound, port()), millis);
            socket.setSoTimeout(millis);
            String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            if (greeting == null) {
                return Optional.of("the FTP port closed the connection without a greeting");
            }
            if (!greeting.matches("[1-5]\\d\\d[ -].*")) {
                return Optional.of("the FTP port greeted with something that is not an FTP reply");
            }
            socket.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("the FTP port did not greet within " + millis + " ms: " + e);
        }
    }

    public boolean running() {
        return !server.isStopped() && !server.isSuspended();
    }

    public void stop() {
        if (partialSweeper != null) {
            partialSweeper.interrupt();
        }
        server.stop();
        limiter.close();
    }
}
