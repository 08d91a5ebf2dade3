package io.edgesync.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.sync.SyncService;
import io.edgesync.agent.telemetry.Json;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /api/v1/commands/retry}: parked deliveries, of one upstream ({@code {"upstream":"hq"}}) or
 * all ({@code {}}), are tried again. Replies {@code {"ok":true,"result":{"retried":N}}} or
 * {@code {"ok":false,"error":{"code":...,"message":...}}}.
 */
final class CommandService implements HttpService {
    private static final System.Logger LOG = System.getLogger(CommandService.class.getName());
    private static final int MAX_BODY = 16 * 1024;
    private final SyncService sync;

    CommandService(SyncService sync) {
        this.sync = sync;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/commands/retry", this::retry);
    }

    private void retry(ServerRequest request, ServerResponse response) {
        response.headers().contentType(MediaTypes.APPLICATION_JSON);
        Optional<String> upstream;
        try {
            byte[] body = request.content().inputStream().readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                error(response, Status.REQUEST_ENTITY_TOO_LARGE_413, "too-large", "body over " + MAX_BODY + " bytes");
                return;
            }
            JsonNode args = body.length == 0 ? Json.tree("{}") : Json.tree(body);
            if (!args.isObject()) {
                error(response, Status.BAD_REQUEST_400, "bad-arguments", "the body must be a JSON object");
                return;
            }
            JsonNode name = args.path("upstream");
            if (!name.isMissingNode() && !name.isTextual()) {
                error(response, Status.BAD_REQUEST_400, "bad-arguments", "'upstream' must be an upstream's name");
                return;
            }
            upstream = name.isTextual() ? Optional.of(name.asText()) : Optional.empty();
            if (upstream.isPresent() && !sync.upstreamNames().contains(upstream.get())) {
                error(response, Status.NOT_FOUND_404, "unknown-upstream", "no upstream named " + upstream.get());
                return;
            }
        } catch (IOException e) {
            error(response, Status.BAD_REQUEST_400, "bad-json", "the body is not JSON: " + e.getMessage());
            return;
        }
        try {
            int retried = sync.retryParked(upstream);
            response.send(Json.bytes(Map.of("ok", true, "command", "retry", "result", Map.of("retried", retried))));
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.ERROR, "retry: cannot update the ledger", e);
            error(response, Status.SERVICE_UNAVAILABLE_503, "ledger", e.getMessage());
        }
    }

    private static void error(ServerResponse response, Status status, String code, String message) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("ok", false);
        reply.put("command", "retry");
        reply.put("error", Map.of("code", code, "message", message));
        response.status(status).send(Json.bytes(reply));
    }
}
