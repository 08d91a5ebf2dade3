package io.edgesync.agent.http;

import io.edgesync.agent.control.AgentStatus;
import io.edgesync.agent.control.StatusReporter;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.telemetry.Json;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/** {@code GET /api/v1/status}: the agent, each upstream's state and backlog, recent transfers (JSON). */
final class StatusService implements HttpService {
    private static final System.Logger LOG = System.getLogger(StatusService.class.getName());
    private final StatusSource reporter;

    /** Where the status comes from: {@link StatusReporter#snapshot} in the agent. */
    @FunctionalInterface
    interface StatusSource {
        AgentStatus snapshot() throws LedgerException;
    }

    StatusService(StatusSource reporter) {
        this.reporter = reporter;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/status", this::status);
    }

    private void status(ServerRequest request, ServerResponse response) {
        response.headers().contentType(MediaTypes.APPLICATION_JSON);
        try {
            response.send(Json.bytes(reporter.snapshot()));
        } catch (LedgerException e) {
            LOG.log(System.Logger.Level.ERROR, "status: cannot read the ledger", e);
            response.status(Status.SERVICE_UNAVAILABLE_503)
                    .send(Json.bytes(Map.of("error", "ledger unavailable: " + e.getMessage())));
        }
    }
}
