package io.edgesync.it;

import io.edgesync.testing.PeerProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The packaged agent ({@code agent/target/edgesync-agent.jar}) as a child JVM with a generated config,
 * started on free ports and stopped by PID: SIGTERM for a clean stop, SIGKILL for a crash.
 */
final class AgentProcess implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("edgesync.agent.jar", "../agent/target/edgesync-agent.jar"));
    static final String JAVA = System.getProperty("edgesync.java", "java");
    /** This checkout: the systemd unit and the files its JVM flags name. */
    static final Path ROOT = Path.of(System.getProperty("edgesync.root", "..")).toAbsolutePath().normalize();
    /** Every test config's {@code http.token}: HTTP commands need it. */
    static final String TOKEN = "it-token-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Path dir;
    final Path config;
    final Path log;
    final int ftpPort;
    final int httpPort;
    private final Map<String, String> env;
    private Process process;

    AgentProcess(Path dir, String yaml, int ftpPort, int httpPort, Map<String, String> env) throws IOException {
        this.dir = dir;
        this.ftpPort = ftpPort;
        this.httpPort = httpPort;
        this.env = Map.copyOf(env);
        Files.createDirectories(dir);
        this.config = dir.resolve("edgesync.yaml");
        this.log = dir.resolve("agent.log");
        Files.writeString(config, yaml);
    }

    /** A config with one device user {@code cam}/{@code cam-pw} and the given upstreams and MQTT lines. */
    static String yaml(Path dataDir, int ftpPort, int httpPort, String upstreams, String mqtt) {
        return yaml(dataDir, ftpPort, httpPort, upstreams, mqtt, "");
    }

    /** @param more further top-level YAML (e.g. {@code disk:} or {@code retention:}); {@code sync:} lines go in sync */
    static String yaml(Path dataDir, int ftpPort, int httpPort, String upstreams, String mqtt, String more) {
        int passive = PeerProcess.freeRange(8);
        return """
                agent:
                  id: it-agent
                  data-dir: %s
                ftp:
                  bind: 127.0.0.1
                  port: %d
                  passive-ports: %d-%d
                  login:
                    delay: 0s      # tests log in right after a deliberate failure; IngestServerTest covers the delay
                  users:
                    - name: cam
                      password: cam-pw-secret
                      home: cams/cam
                      perm: elradfmw
                upstreams:
                %s
                sync:
                  retry-initial: 300ms
                  retry-max: 2s
                %s
                http:
                  bind: 127.0.0.1
                  port: %d
                  token: %s
                mqtt:
                %s
                %s
                """.formatted(dataDir, ftpPort, passive, passive + 7, upstreams.indent(2).stripTrailing(),
                syncLines(more).indent(2).stripTrailing(), httpPort, TOKEN, mqtt.indent(2).stripTrailing(),
                otherLines(more));
    }

    private static String syncLines(String more) {
        return more.lines().filter(l -> l.startsWith("sync.")).map(l -> l.substring("sync.".length()))
                .reduce("", (a, b) -> a + b + "\n");
    }

    private static String otherLines(String more) {
        return more.lines().filter(l -> !l.startsWith("sync.")).reduce("", (a, b) -> a + b + "\n");
    }

    static String upstream(String name, int port, String user, String password) {
        return upstream(name, port, user, password, "5s");
    }

    /** An upstream whose control and data waits are {@code timeout}. */
    static String upstream(String name, int port, String user, String password, String timeout) {
        return """
                - name: %s
                  url: ftp://127.0.0.1:%d/in
                  user: %s
                  password: %s
                  connect-timeout: 2s
                  control-timeout: %s
                  data-timeout: %s
                """.formatted(name, port, user, password, timeout, timeout);
    }

    /** Starts the jar; waits until {@code /health/live} answers when {@code waitForHttp}. */
    AgentProcess start(boolean waitForHttp, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(unitJvmFlags());
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString(), "--config", config.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        process = builder.start();
        if (waitForHttp) {
            await("agent up").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("agent exited " + process.exitValue() + ":\n" + log());
                }
                // 200 with the checks' details, 204 without them (http.token-for-reads)
                return PeerProcess.accepts(httpPort) && get("/health/live").statusCode() / 100 == 2;
            });
        }
        return this;
    }

    /**
     * The JVM flags of the systemd unit ({@code JAVA_OPTS}), so that every test runs the agent as a board does;
     * files the unit names under {@code /usr/share/edgesync} (the JIT directives) are this checkout's, in
     * {@code src/dist}.
     */
    static List<String> unitJvmFlags() throws IOException {
        String unit = Files.readString(ROOT.resolve("systemd/edgesync-agent.service"));
        Matcher opts = Pattern.compile("(?m)^Environment=\"JAVA_OPTS=([^\"]+)\"$").matcher(unit);
        if (!opts.find()) {
            throw new IllegalStateException("no Environment=\"JAVA_OPTS=...\" line in the systemd unit");
        }
        String dist = ROOT.resolve("src/dist") + "/";
        return Arrays.stream(opts.group(1).trim().split("\\s+")).map(f -> f.replace("/usr/share/edgesync/", dist)).toList();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST} with the test token, as an operator's script would. */
    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return post(path, body, Optional.of(TOKEN));
    }

    HttpResponse<String> post(String path, String body, Optional<String> token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("agent still running after " + timeout + ":\n" + log());
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    /** SIGTERM: the agent's shutdown hook runs. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGKILL: nothing of the agent runs after this. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Stops the agent and copies its log to the test's output (target/failsafe-reports/*-output.txt). */
    @Override
    public void close() throws InterruptedException {
        stop();
        System.out.println("----- agent log " + log + " -----\n" + log());
    }
}
