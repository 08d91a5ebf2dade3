package io.edgesync.agent.spool;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.DeliveryRule;
import io.edgesync.agent.config.PathTemplate;
import io.edgesync.agent.config.UpstreamSettings;
import io.edgesync.agent.ledger.Intake;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a file goes: which upstreams take a spool path ({@code upstreams[].include} and {@code exclude}: a path
 * an exclude glob matches is not taken, whatever include says), in the order the upstreams are configured;
 * which of them a delivery rule holds back at first ({@code sync.delivery-rules}: the first {@code k} of the
 * rule's upstreams that take the file are owed it, the rest stand by); and under which upstream path
 * ({@code upstreams[].path}, expanded once, here, when the file is received). Used when an upload is recorded
 * and by {@code resync}. Immutable.
 */
public final class Routing {
    private final List<Route> routes;
    private final List<DeliveryRule> rules;
    private final String agent;
    private final ZoneId zone;

    /** No rules, every file under its spool path. */
    public Routing(List<UpstreamSettings> upstreams) {
        this(upstreams, List.of(), "agent", ZoneOffset.UTC);
    }

    public Routing(AgentConfig config) {
        this(config.upstreams(), config.rules(), config.agent().id(), config.sync().timeZone());
    }

    private Routing(List<UpstreamSettings> upstreams, List<DeliveryRule> rules, String agent, ZoneId zone) {
        this.routes = upstreams.stream().map(Route::of).toList();
        this.rules = List.copyOf(rules);
        this.agent = agent;
        this.zone = zone;
    }

    /** The names of the upstreams that take the file at {@code spoolPath}, e.g. {@code cams/gate/a.jpg}. */
    public List<String> upstreamsFor(String spoolPath) {
        Path path = Path.of(spoolPath);
        return routes.stream().filter(r -> r.takes(path)).map(Route::upstream).toList();
    }

    /**
     * Where the file at {@code spoolPath}, received from {@code user} at {@code receivedAt}, is owed: one route
     * per upstream that takes it, held back when its rule's preferred upstreams take it, under its upstream path.
     */
    public List<Intake.Route> routesFor(String spoolPath, String user, Instant receivedAt) {
        List<String> takers = upstreamsFor(spoolPath);
        List<String> standby = new ArrayList<>();
        for (DeliveryRule rule : rules) {
            int owed = 0;
            for (String member : rule.upstreams()) {
                if (takers.contains(member) && owed++ >= rule.k()) {
                    standby.add(member);
                }
            }
        }
        List<Intake.Route> out = new ArrayList<>();
        for (Route route : routes) {
            if (takers.contains(route.upstream())) {
                out.add(new Intake.Route(route.upstream(), standby.contains(route.upstream()),
                        route.template().isSpoolPath() ? Optional.empty()
                                : Optional.of(route.template().expand(spoolPath, user, agent, receivedAt, zone))));
            }
        }
        return out;
    }

    /** The route of the file to {@code upstream} alone (resync to one upstream: not held back), if it takes it. */
    public Optional<Intake.Route> routeTo(String upstream, String spoolPath, String user, Instant receivedAt) {
        return routesFor(spoolPath, user, receivedAt).stream().filter(r -> r.upstream().equals(upstream)).findFirst()
                .map(r -> new Intake.Route(r.upstream(), false, r.remotePath()));
    }

    /** Whether {@code upstream} takes the file at {@code spoolPath}; false for an upstream not configured. */
    public boolean takes(String upstream, String spoolPath) {
        Path path = Path.of(spoolPath);
        return routes.stream().anyMatch(r -> r.upstream().equals(upstream) && r.takes(path));
    }

    private record Route(String upstream, boolean everything, List<PathMatcher> include, List<PathMatcher> exclude,
                         PathTemplate template) {
        static Route of(UpstreamSettings settings) {
            return new Route(settings.name(), settings.include().contains("**"), matchers(settings.include()),
                    matchers(settings.exclude()), settings.path());
        }

        private static List<PathMatcher> matchers(List<String> globs) {
            return globs.stream().map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
        }

        boolean takes(Path path) {
            return (everything || include.stream().anyMatch(m -> m.matches(path)))
                    && exclude.stream().noneMatch(m -> m.matches(path));
        }
    }
}
