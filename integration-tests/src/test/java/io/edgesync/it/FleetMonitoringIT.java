package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the fleet watches, against the packaged agent: the shipped alert rules pass {@code promtool check rules}
 * and their own {@code promtool test rules}; every metric the rules and the Grafana dashboard name is one the
 * agent exports; and the rules, fed the series recorded from a real agent with one upstream dead and one
 * device silent (each sample held for 30 minutes), fire exactly the alerts that state calls for.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FleetMonitoringIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CONFIG = Path.of("../config");
    private static final Pattern METRIC = Pattern.compile("\\b(edgesync_[a-z0-9_]+)\\b");
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_:][a-z0-9_:]*)(\\{[^}]*})? (\\S+)$");
    private static final String INSTANCE = "board-1:8080";

    @TempDir
    Path dir;

    private static String promtool(Path workdir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Peers.promtool().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(workdir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }

    private static Set<String> metricsIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void theShippedRulesPassPromtoolAndTheirOwnTests() throws Exception {
        Path rules = CONFIG.resolve("prometheus").toAbsolutePath();
        assertThat(promtool(rules, "check", "rules", "edgesync.rules.yml")).contains("SUCCESS: 7 rules found");
        assertThat(promtool(rules, "test", "rules", "edgesync.rules.test.yml")).contains("SUCCESS");
    }

    @Test
    void rulesAndDashboardNameRealMetricsAndFireOnRecordedSeries() throws Exception {
        try (PyFtpd live = PyFtpd.start(dir.resolve("live"))) {
            int ftp = PeerProcess.freePort();
            int http = PeerProcess.freePort();
            String upstreams = AgentProcess.upstream("live", live.port(), PyFtpd.USER, PyFtpd.PASSWORD)
                    + AgentProcess.upstream("dead", PeerProcess.freePort(), "u", "p"); // nothing listens there
            String yaml = AgentProcess.yaml(dir.resolve("data"), ftp, http, upstreams, "broker: \"\"")
                    .replace("      perm: elradfmw\n", "      perm: elradfmw\n"
                            + "    - {name: gate, password: gate-pw-secret, home: gates/gate, perm: w, expect-every: 1s}\n");
            try (AgentProcess agent = new AgentProcess(dir.resolve("agent"), yaml, ftp, http, Map.of()).start(true)) {
                assertThat(Devices.upload(ftp, "cam", "cam-pw-secret", "", "a.jpg", new byte[5_000])).isEqualTo(226);
                Map<String, String> samples = new LinkedHashMap<>();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    samples.clear();
                    for (String line : agent.get("/metrics").body().lines().toList()) {
                        Matcher m = SAMPLE.matcher(line);
                        if (m.matches()) {
                            samples.put(m.group(1) + (m.group(2) == null ? "{}" : m.group(2)), m.group(3));
                        }
                    }
                    assertThat(samples).containsEntry("edgesync_upstream_down{upstream=\"dead\"}", "1.0")
                            .containsEntry("edgesync_upstream_down{upstream=\"live\"}", "0.0")
                            .containsEntry("edgesync_silent_devices{}", "1.0")
                            .containsKey("edgesync_files_synced_total{upstream=\"live\"}")
                            .containsKey("edgesync_transfer_duration_seconds_sum{upstream=\"live\"}");
                    assertThat(samples.keySet()).anyMatch(k -> k.startsWith("edgesync_sync_failures_total{"));
                });
                Set<String> exported = new TreeSet<>();
                samples.keySet().forEach(k -> exported.add(k.substring(0, k.indexOf('{'))));

                String rulesText = Files.readString(CONFIG.resolve("prometheus/edgesync.rules.yml"));
                assertThat(metricsIn(rulesText)).as("metrics the alert rules use").isSubsetOf(exported);
                JsonNode dashboard = JSON.readTree(CONFIG.resolve("grafana/edgesync.json").toFile());
                StringBuilder exprs = new StringBuilder();
                for (JsonNode panel : dashboard.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        exprs.append(target.path("expr").asText()).append('\n');
                    }
                }
                exprs.append(dashboard.path("templating").path("list").get(0).path("definition").asText());
                assertThat(metricsIn(exprs.toString())).as("metrics the dashboard uses").isNotEmpty()
                        .isSubsetOf(exported);
                assertThat(dashboard.path("uid").asText()).isEqualTo("edgesync-fleet");

                Path recorded = Files.createDirectories(dir.resolve("recorded"));
                Files.copy(CONFIG.resolve("prometheus/edgesync.rules.yml"), recorded.resolve("edgesync.rules.yml"));
                Files.writeString(recorded.resolve("recorded.test.yml"), recordedTest(samples, metricsIn(rulesText)));
                assertThat(promtool(recorded, "test", "rules", "recorded.test.yml")).contains("SUCCESS");
            }
        }
    }

    /**
     * A promtool test: each recorded sample of a metric the rules use, on a board that Prometheus scrapes,
     * held for 30 minutes; then the alerts expected of that state at 20 minutes, and none of the others.
     */
    private static String recordedTest(Map<String, String> samples, Set<String> used) {
        StringBuilder t = new StringBuilder("""
                rule_files:
                  - edgesync.rules.yml
                evaluation_interval: 1m
                tests:
                  - interval: 1m
                    input_series:
                      - series: 'up{job="edgesync", instance="%s"}'
                        values: '1x30'
                """.formatted(INSTANCE));
        samples.forEach((key, value) -> {
            String name = key.substring(0, key.indexOf('{'));
            String labels = key.substring(key.indexOf('{') + 1, key.length() - 1);
            if (used.contains(name) && !value.equals("NaN")) {
                t.append("      - series: '").append(name).append("{job=\"edgesync\", instance=\"").append(INSTANCE)
                        .append('"').append(labels.isEmpty() ? "" : ", " + labels).append("}'\n")
                        .append("        values: '").append(value).append("x30'\n");
            }
        });
        t.append("""
                    alert_rule_test:
                      - eval_time: 20m
                        alertname: EdgesyncUpstreamDown
                        exp_alerts:
                          - exp_labels: {severity: warning, job: edgesync, instance: "%1$s", upstream: dead}
                            exp_annotations:
                              summary: "%1$s: upstream dead down for 15 minutes"
                              description: "The agent cannot reach dead or is refused the login; files are kept and sent when it is back. GET /api/v1/status shows lastError."
                      - eval_time: 20m
                        alertname: EdgesyncDeviceSilent
                        exp_alerts:
                          - exp_labels: {severity: warning, job: edgesync, instance: "%1$s"}
                            exp_annotations:
                              summary: "%1$s: 1 device(s) silent past their expect-every"
                              description: "A device account has not uploaded within its expect-every: see the status's silentDevices."
                """.formatted(INSTANCE));
        for (String quiet : List.of("EdgesyncAgentDown", "EdgesyncBacklogOld", "EdgesyncFilesParked",
                "EdgesyncDiskBelowFloor", "EdgesyncStorageFailed")) {
            t.append("      - eval_time: 20m\n        alertname: ").append(quiet).append("\n        exp_alerts: []\n");
        }
        return t.toString();
    }
}
