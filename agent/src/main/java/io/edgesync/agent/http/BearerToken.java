package io.edgesync.agent.http;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.telemetry.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

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
    private static final String PREFIX = "Bearer ";
    private final AgentConfig.Http settings;

    BearerToken(AgentConfig.Http settings) {
        this.settings = settings;
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
        if (header.isPresent() && header.get().startsWith(PREFIX)
                && settings.token().matches(header.get().substring(PREFIX.length()).trim())) {
            chain.proceed();
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "{0} {1} from {2} refused: {3} bearer token", req.prologue().method().text(),
                path, req.remotePeer().host(), header.isPresent() ? "wrong" : "no");
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"edgesync\"");
        deny(res, Status.UNAUTHORIZED_401, "unauthorized", "send 'Authorization: Bearer TOKEN' with http.token");
    }

    private static void deny(RoutingResponse res, Status status, String code, String message) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(Map.of("ok", false, "error", Map.of("code", code, "message", message))));
    }
}
