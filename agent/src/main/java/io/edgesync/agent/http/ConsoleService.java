package io.edgesync.agent.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code GET /}: the board's own page, for a technician's laptop or phone on the site's network. Three small
 * files served from the jar (no CDN: the board may have no internet), which poll {@code /api/v1/status} and
 * {@code /health}; operator actions go to {@code /api/v1/commands} with the bearer token the technician types
 * in (kept in the tab's session storage, never sent anywhere else). A strict Content-Security-Policy: scripts,
 * styles and requests only from the agent itself.
 */
final class ConsoleService implements HttpService {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String> FILES = Map.of(
            "console.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");
    private final Map<String, byte[]> content;

    ConsoleService() {
        this.content = Map.of("console.html", read("console.html"), "console.js", read("console.js"),
                "console.css", read("console.css"));
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleService.class.getResourceAsStream("console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks the page's " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many bytes the page is, all three files. */
    int size() {
        return content.values().stream().mapToInt(b -> b.length).sum();
    }

    @Override
    public void routing(HttpRules rules) {
        for (String[] route : new String[][] {{"/", "console.html"}, {"/console.js", "console.js"},
                {"/console.css", "console.css"}}) {
            rules.get(route[0], (req, res) -> send(res, route[1]))
                    .head(route[0], (req, res) -> send(res, route[1])); // monitors that ask by HEAD
        }
    }

    private void send(ServerResponse res, String name) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, FILES.get(name));
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.send(content.get(name));
    }
}
