package io.edgesync.agent.demo;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.config.UpstreamSettings;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.UserManager;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.usermanager.PropertiesUserManagerFactory;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.WritePermission;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code --demo}: a local upstream FTP server (a plain Apache FtpServer under {@code <data-dir>/upstream})
 * and, once the agent runs, one sample upload as a device would send it, reported when it has arrived
 * upstream. Shows the whole path on one machine with nothing installed.
 */
public final class Demo implements EventSink {
    private static final System.Logger LOG = System.getLogger(Demo.class.getName());
    private static final Duration ARRIVAL_WAIT = Duration.ofSeconds(30);

    private final AgentConfig config;
    private final UpstreamSettings upstream;
    private final Path upstreamRoot;
    private final ConcurrentHashMap<String, CountDownLatch> awaited = new ConcurrentHashMap<>();
    private FtpServer server;

    /** The demo's passwords: documented in the README and its YAML, so not secret (see {@link Secret#notSecret}). */
    public static List<Secret> publishedSecrets(AgentConfig config) {
        List<Secret> published = new ArrayList<>();
        config.ftp().users().forEach(u -> {
            if (u.password() instanceof Password.Plain plain) {
                published.add(plain.secret());
            }
        });
        config.upstreams().forEach(u -> published.add(u.password()));
        return published;
    }

    public Demo(AgentConfig config) {
        this.config = config;
        this.upstream = config.upstreams().getFirst();
        this.upstreamRoot = config.agent().dataDir().resolve("upstream");
    }

    /** Starts the stand-in upstream server on the port of the first upstream's URL. */
    public void startUpstream() {
        try {
            Files.createDirectories(upstreamRoot.resolve(upstream.baseDir()));
            FtpServerFactory factory = new FtpServerFactory();
            ListenerFactory listener = new ListenerFactory();
            listener.setServerAddress(upstream.host());
            listener.setPort(upstream.port());
            DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
            data.setPassivePorts((upstream.port() + 1) + "-" + (upstream.port() + 16));
            listener.setDataConnectionConfiguration(data.createDataConnectionConfiguration());
            factory.addListener("default", listener.createListener());
            UserManager users = new PropertiesUserManagerFactory().createUserManager();
            BaseUser user = new BaseUser();
            user.setName(upstream.user());
            user.setPassword(upstream.password().reveal());
            user.setHomeDirectory(upstreamRoot.toString());
            user.setAuthorities(List.of(new WritePermission()));
            users.save(user);
            factory.setUserManager(users);
            server = factory.createServer();
            server.start();
            LOG.log(System.Logger.Level.INFO, "demo: upstream FTP server on {0}:{1,number,#}, files land in {2}",
                    upstream.host(), upstream.port(), upstreamRoot.resolve(upstream.baseDir()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (FtpException e) {
            throw new IllegalStateException("demo: cannot start the local upstream FTP server: " + e.getMessage(), e);
        }
    }

    /** Uploads a sample file through the agent's FTP port as a device would, and waits for it upstream. */
    public void uploadSample(int ftpPort, int httpPort) {
        var user = config.ftp().users().getFirst();
        String name = "hello-" + Instant.now().toEpochMilli() + ".txt";
        byte[] body = ("hello from edgesync demo at " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8);
        CountDownLatch arrival = new CountDownLatch(1);
        awaited.put(user.home() + "/" + name, arrival);
        FTPClient device = new FTPClient();
        device.setConnectTimeout(5_000);
        device.setDefaultTimeout(10_000);
        device.setDataTimeout(Duration.ofSeconds(10));
        long start = System.nanoTime();
        try {
            device.connect("127.0.0.1", ftpPort);
            if (!(user.password() instanceof Password.Plain plain) || !device.login(user.name(), plain.secret().reveal())) {
                throw new IOException("login refused: " + device.getReplyString());
            }
            device.setFileType(FTP.BINARY_FILE_TYPE);
            device.enterLocalPassiveMode();
            if (!device.storeFile(name, new ByteArrayInputStream(body))) {
                throw new IOException("STOR refused: " + device.getReplyString());
            }
            device.logout();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "demo: the sample upload failed: {0}", e.getMessage());
            return;
        } finally {
            try {
                device.disconnect();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "demo: disconnect: {0}", e.getMessage());
            }
        }
        Path arrived = upstreamRoot.resolve(upstream.baseDir()).resolve(user.home()).resolve(name);
        boolean delivered;
        try {
            delivered = arrival.await(ARRIVAL_WAIT.toMillis(), TimeUnit.MILLISECONDS) && Files.exists(arrived);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (delivered) {
            LOG.log(System.Logger.Level.INFO, "demo: {0} uploaded by device ''{1}'' arrived upstream at {2} in {3} ms",
                    name, user.name(), arrived, (System.nanoTime() - start) / 1_000_000);
        } else {
            LOG.log(System.Logger.Level.ERROR, "demo: {0} did not arrive upstream within {1} s; see the log above",
                    name, ARRIVAL_WAIT.toSeconds());
        }
        LOG.log(System.Logger.Level.INFO, "demo: try it: curl -T FILE --user {0} ftp://127.0.0.1:{1,number,#}/"
                        + " (password in edgesync-demo.yaml, see README); status: curl http://127.0.0.1:{2,number,#}/api/v1/status",
                user.name(), ftpPort, httpPort);
    }

    /** Counts the sample as arrived when the sync loop reports it delivered. */
    @Override
    public void publish(AgentEvent event) {
        if (event instanceof AgentEvent.FileDelivered delivered) {
            CountDownLatch latch = awaited.remove(delivered.path());
            if (latch != null) {
                latch.countDown();
            }
        }
    }

    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
