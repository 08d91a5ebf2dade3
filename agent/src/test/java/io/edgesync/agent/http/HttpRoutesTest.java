package io.edgesync.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.control.AgentStatus;
import io.edgesync.agent.control.Command;
import io.edgesync.agent.control.CommandRegistry;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.telemetry.Json;
import io.edgesync.agent.telemetry.Metrics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP routes as the agent wires them ({@link HttpApi#routing}), served in process by Helidon's routing
 * test support: status JSON, its 503 when the ledger is unreadable, the Prometheus scrape, commands behind
 * the bearer token (missing, wrong, any case of the scheme), and what is not served.
 */
@RoutingTest
class HttpRoutesTest {
    private static final String TOKEN = "route-test-token-0123456789";
    private static final Metrics METRICS = new Metrics();
    private static final AtomicBoolean LEDGER_DOWN = new AtomicBoolean();
    private static final CommandRegistry COMMANDS = new CommandRegistry("agent-7", List.of(
            new Command("echo", "echoes", List.of(new Command.Param("text", Command.Type.STRING, true, "what to echo")),
                    args -> Map.of("text", args.requiredString("text")))));

    private final DirectClient client;

    HttpRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        HttpApi.routing(routing, new AgentConfig.Http("127.0.0.1", 0, Secret.of(TOKEN), false), METRICS,
                HttpRoutesTest::status, COMMANDS);
    }

    private static final io.edgesync.agent.sync.BandwidthState NO_LIMIT = new io.edgesync.agent.sync.BandwidthState(0,
            "off", "none", "off", null, null);

    private static AgentStatus status() throws LedgerException {
        if (LEDGER_DOWN.get()) {
            throw new LedgerException("disk I/O error", new SQLException("SQLITE_IOERR"));
        }
        return new AgentStatus("agent-7", "0.1.0", true, "2026-12-03T10:00:00Z", 42,
                new AgentStatus.Ingest(true, 2121, 3, 300),
                List.of(new AgentStatus.Upstream("hq", "ftp://hq.example:21/in", "up", false, 1, 0, 2, 5L, 0, 0,
                        "2026-12-03T10:00:40Z", null, null, null, List.of(), NO_LIMIT, List.of(),
                        new io.edgesync.agent.sync.UpstreamStatus.Files("{path}", "MFMT", null))),
                new AgentStatus.Mqtt(true, false), new AgentStatus.Disk("/var/lib/edgesync", 1000, 2000, 100, false),
                List.of(), List.of(), new AgentStatus.Uplink(NO_LIMIT, List.of(), 900));
    }

    private static JsonNode json(Http1ClientResponse response) throws IOException {
        assertThat(response.headers().contentType()).hasValueSatisfying(t -> assertThat(t.text()).contains("json"));
        return Json.tree(response.as(String.class));
    }

    @Test
    void statusIsTheReportersSnapshotAsJsonAndA503WhenTheLedgerCannotBeRead() throws IOException {
        try (Http1ClientResponse response = client.get("/api/v1/status").request()) {
            assertThat(response.status()).isEqualTo(Status.OK_200);
            JsonNode status = json(response);
            assertThat(status.path("agent").asText()).isEqualTo("agent-7");
            assertThat(status.path("uptimeSeconds").asLong()).isEqualTo(42);
            assertThat(status.path("upstreams").get(0).path("name").asText()).isEqualTo("hq");
            assertThat(status.path("upstreams").get(0).path("oldestPendingAgeSeconds").asLong()).isEqualTo(5);
            assertThat(status.path("mqtt").path("connected").asBoolean(true)).isFalse();
        }
        LEDGER_DOWN.set(true);
        try (Http1ClientResponse response = client.get("/api/v1/status").request()) {
            assertThat(response.status()).isEqualTo(Status.SERVICE_UNAVAILABLE_503);
            assertThat(json(response).path("error").asText()).startsWith("ledger unavailable: disk I/O error");
        } finally {
            LEDGER_DOWN.set(false);
        }
    }

    @Test
    void metricsAreThePrometheusTextOfTheOneRegistry() {
        METRICS.registry().counter("edgesync.route.test").increment(3);
        try (Http1ClientResponse response = client.get("/metrics").request()) {
            assertThat(response.status()).isEqualTo(Status.OK_200);
            assertThat(response.headers().contentType()).hasValueSatisfying(t -> assertThat(t.text())
                    .startsWith("text/plain").contains("version=0.0.4"));
            assertThat(response.as(String.class).lines()).contains("edgesync_route_test_total 3.0");
        }
    }

    @Test
    void commandsNeedTheBearerTokenInAnyCaseOfTheScheme() throws IOException {
        double refusedBefore = METRICS.registry().counter("edgesync.http.refused").count();
        try (Http1ClientResponse response = client.post("/api/v1/commands/echo").submit("{\"text\":\"hi\"}")) {
            assertThat(response.status()).isEqualTo(Status.UNAUTHORIZED_401);
            assertThat(response.headers().first(HeaderNames.WWW_AUTHENTICATE)).hasValue("Bearer realm=\"edgesync\"");
            assertThat(json(response).path("error").path("code").asText()).isEqualTo("unauthorized");
        }
        try (Http1ClientResponse response = client.post("/api/v1/commands/echo")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN + "x").submit("{\"text\":\"hi\"}")) {
            assertThat(response.status()).isEqualTo(Status.UNAUTHORIZED_401);
            assertThat(response.as(String.class)).doesNotContain(TOKEN);
        }
        assertThat(METRICS.registry().counter("edgesync.http.refused").count()).isEqualTo(refusedBefore + 2);
        for (String scheme : List.of("Bearer", "bearer", "BEARER")) {
            try (Http1ClientResponse response = client.post("/api/v1/commands/echo")
                    .header(HeaderNames.AUTHORIZATION, scheme + " " + TOKEN).submit("{\"id\":\"r1\",\"text\":\"hi\"}")) {
                assertThat(response.status()).as(scheme).isEqualTo(Status.OK_200);
                JsonNode reply = json(response);
                assertThat(reply.path("ok").asBoolean()).isTrue();
                assertThat(reply.path("result").path("text").asText()).isEqualTo("hi");
            }
        }
    }

    @Test
    void aBadCommandIsNamedInItsReplyWithAnHttpStatus() throws IOException {
        try (Http1ClientResponse response = client.post("/api/v1/commands/no-such")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN).submit("{}")) {
            assertThat(response.status()).isEqualTo(Status.NOT_FOUND_404);
            assertThat(json(response).path("ok").asBoolean(true)).isFalse();
        }
        try (Http1ClientResponse response = client.post("/api/v1/commands/echo")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN).submit("{\"text\":")) {
            assertThat(response.status()).isEqualTo(Status.BAD_REQUEST_400);
            assertThat(json(response).path("error").path("message").asText()).isNotBlank();
        }
    }

    @Test
    void readsNeedNoTokenByDefaultAndWhatIsNotWiredIsNotServed() {
        try (Http1ClientResponse response = client.get("/api/v1/commands/echo").request()) {
            assertThat(response.status()).as("commands take POST only").isIn(Status.UNAUTHORIZED_401,
                    Status.NOT_FOUND_404, Status.METHOD_NOT_ALLOWED_405);
        }
        try (Http1ClientResponse response = client.get("/api/v1/secrets").request()) {
            assertThat(response.status()).isEqualTo(Status.NOT_FOUND_404);
        }
    }
}
