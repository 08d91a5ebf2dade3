package io.edgesync.agent.http;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.control.CommandRegistry;
import io.edgesync.agent.control.StatusReporter;
import io.edgesync.agent.telemetry.Metrics;
import io.helidon.health.HealthCheck;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;

import java.util.List;

/**
 * The agent's HTTP side on Helidon SE: {@code /health} (with {@code /live} and {@code /ready}) from the
 * parts' {@link PartCheck}s, {@code /metrics} and {@code /api/v1/status}. Feature discovery is off: only
 * what is wired here is served.
 */
public final class HttpApi {
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
    private final WebServer server;

    public HttpApi(AgentConfig.Http settings, Metrics metrics, StatusReporter status, CommandRegistry commands,
                   List<? extends HealthCheck> checks) {
        HealthObserver health = HealthObserver.builder()
                .endpoint("/health")
                // with token-for-reads, /health (always open: service managers probe it) says UP or DOWN only;
                // its details (upstream URLs and logins, file paths in errors, account names) need the token's
                // status API
                .details(!settings.tokenForReads())
                .useSystemServices(false)
                .addChecks(checks.toArray(HealthCheck[]::new))
                .build();
        this.server = WebServer.builder()
                .host(settings.bind())
                .port(settings.port())
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .addFeature(ObserveFeature.builder()
                        .observersDiscoverServices(false)
                        .endpoint("/")
                        .addObserver(health)
                        .build())
                .routing(routing -> routing(routing, settings, metrics, status::snapshot, commands))
                .build();
    }

    /** The routes besides health; static so tests can serve them without the rest of the agent. */
    static void routing(HttpRouting.Builder routing, AgentConfig.Http settings, Metrics metrics,
                        StatusService.StatusSource status, CommandRegistry commands) {
        routing.addFilter(new BearerToken(settings, metrics.registry()))
                .addFilter((chain, req, res) -> {
                    String path = req.path().path();
                    if (path.startsWith("/api/") || path.startsWith("/metrics")) {
                        res.header(io.helidon.http.HeaderNames.CACHE_CONTROL, "no-store");
                        res.header(io.helidon.http.HeaderNames.create("X-Content-Type-Options"), "nosniff");
                    }
                    chain.proceed();
                })
                .register("/metrics", new MetricsService(metrics))
                .register("/api/v1", new StatusService(status), new CommandService(commands))
                .register("/", new ConsoleService());
    }

    public void start() {
        server.start();
        LOG.log(System.Logger.Level.INFO, "HTTP on port {0,number,#}: / (the board''s page), /health, /metrics, /api/v1/status, /api/v1/commands", server.port());
    }

    public int port() {
        return server.port();
    }

    public void stop() {
        server.stop();
    }
}
