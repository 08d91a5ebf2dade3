package io.edgesync.agent.http;

import io.edgesync.agent.control.CommandRegistry;
import io.edgesync.agent.control.CommandReply;
import io.edgesync.agent.telemetry.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;

/**
 * {@code POST /api/v1/commands/<name>}: the MQTT commands' twin. The body is the same JSON request (empty
 * = {@code {}}), the reply the same JSON, with an HTTP status from its error code (400, 404, 409, 413, 503,
 * 500). Guarded by {@link BearerToken}.
 */
final class CommandService implements HttpService {
    private final CommandRegistry registry;

    CommandService(CommandRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/commands/{name}", this::run);
    }

    private void run(ServerRequest request, ServerResponse response) throws IOException {
        String name = request.path().pathParameters().get("name");
        byte[] body;
        try (InputStream in = request.content().inputStream()) {
            body = in.readNBytes(CommandRegistry.MAX_PAYLOAD + 1);
        }
        CommandReply reply = registry.handle(name, body);
        response.status(Status.create(reply.httpStatus()));
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(Json.bytes(reply.toJson()));
    }
}
