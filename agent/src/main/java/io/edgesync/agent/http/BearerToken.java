package io.edgesync.agent.http;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.telemetry.Json;
import io.edgesync.agent.telemetry.LogThrottle;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;

import java.util.Map;
import java.util.Optional;

/**
 * {@code http.token}: command endpoints ({@code POST /api/v1/commands/*}) need
 * {@code Authorization: Bearer <token>}; with {@code http.token-for-reads} the status and metrics too.
 * Without a token configured, HTTP commands are refused (403): nothing on the LAN may pause or purge an
 * agent unasked. {@code /health} is always open. The token is compared in constant time and never logged.
 */
final class BearerToken implements Filter {
    private static final System.Logger LOG = System.getLogger(BearerToken.class.getName());
    private static final String SCHEME = "bearer";
    private final AgentConfig.Http settings;
    /** A script polling with a stale token is one line a minute per address, not one per request. */
    private final LogThrottle refusals = new LogThrottle(LOG, Duration.ofMinutes(1));
    private final Counter refused;

    BearerToken(AgentConfig.Http settings, MeterRegistry registry) {
        this.settings = settings;
        this.refused = Counter.builder("edgesync.http.refused")
                .description("HTTP requests refused for a missing or wrong bearer token").register(registry);
    }

    /** The token of {@code Authorization: Bearer TOKEN}; the scheme's name in any case (RFC 7235, RFC 6750). */
    static Optional<String> token(String header) {
        String h = header.strip();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).equalsIgnoreCase(SCHEME)) {
            return Optional.empty();
        }
        return Optional.of(h.substring(space + 1).strip());
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        boolean command = path.startsWith("/api/v1/commands");
        boolean read = !command && (path.startsWith("/api/") || path.startsWith("/metrics"));
        if (!command && !(read && settings.tokenForReads())) {
            chain.proceed();
            return;
        }
        if (settings.token().isEmpty()) {
            deny(res, Status.FORBIDDEN_403, "forbidden", "HTTP commands are off: set http.token (and send it as"
                    + " 'Authorization: Bearer TOKEN') to use them");
            return;
        }
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.flatMap(BearerToken::token).filter(t -> settings.token().matches(t)).isPresent()) {
            chain.proceed();
            return;
        }
        refused.increment();
        String from = req.remotePeer().host();
        String method = req.prologue().method().text();
        refusals.log(from, System.Logger.Level.WARNING, () -> method + " " + path + " from " + from + " refused: "
                + (header.isPresent() ? "wrong" : "no") + " bearer token");
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"edgesync\"");
        deny(res, Status.UNAUTHORIZED_401, "unauthorized", "send 'Authorization: Bearer TOKEN' with http.token");
    }

    private static void deny(RoutingResponse res, Status status, String code, String message) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(Map.of("ok", false, "error", Map.of("code", code, "message", message))));
    }
}
