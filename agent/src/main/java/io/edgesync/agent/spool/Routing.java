package io.edgesync.agent.spool;

import io.edgesync.agent.config.UpstreamSettings;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * Which upstreams take a spool path: a pure function of {@code upstreams[].include} and {@code exclude} (a
 * path an exclude glob matches is not taken, whatever include says), in the order the upstreams are configured. Used when an upload is recorded (one delivery per upstream that takes it) and
 * by {@code resync}. Immutable.
 */
public final class Routing {
    private final List<Route> routes;

    public Routing(List<UpstreamSettings> upstreams) {
        this.routes = upstreams.stream().map(Route::of).toList();
    }

    /** The names of the upstreams that take the file at {@code spoolPath}, e.g. {@code cams/gate/a.jpg}. */
    public List<String> upstreamsFor(String spoolPath) {
        Path path = Path.of(spoolPath);
        return routes.stream().filter(r -> r.takes(path)).map(Route::upstream).toList();
    }

    /** Whether {@code upstream} takes the file at {@code spoolPath}; false for an upstream not configured. */
    public boolean takes(String upstream, String spoolPath) {
        Path path = Path.of(spoolPath);
        return routes.stream().anyMatch(r -> r.upstream().equals(upstream) && r.takes(path));
    }

    private record Route(String upstream, boolean everything, List<PathMatcher> include, List<PathMatcher> exclude) {
        static Route of(UpstreamSettings settings) {
            return new Route(settings.name(), settings.include().contains("**"), matchers(settings.include()),
                    matchers(settings.exclude()));
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
