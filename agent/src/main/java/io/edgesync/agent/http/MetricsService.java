package io.edgesync.agent.http;

import io.edgesync.agent.telemetry.Metrics;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /metrics}: every meter of the agent's one registry, in Prometheus text format. */
final class MetricsService implements HttpService {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private final Metrics metrics;

    MetricsService(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::scrape);
    }

    private void scrape(ServerRequest request, ServerResponse response) {
        response.header(HeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT);
        response.send(metrics.scrape());
    }
}
