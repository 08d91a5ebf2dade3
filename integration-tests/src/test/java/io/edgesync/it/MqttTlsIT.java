package io.edgesync.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgesync.testing.Mosquitto;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.PyFtpd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MQTT over TLS with a client certificate and a user name and password, against a Mosquitto that
 * requires all three: certificates made by openssl in the test (a CA, the broker's for IP 127.0.0.1, a
 * client's with a PKCS#8 EC key). The broker's host name is checked: the same broker reached as
 * 127.0.0.2 is refused by the agent.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MqttTlsIT {
    private static final String USER = "agent-7";
    private static final String PASSWORD = "mqtt-secret-pw-7";

    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        Path openssl = Peers.require("openssl", "openssl");
        List<String> command = new java.util.ArrayList<>(List.of(openssl.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(command + ": " + new String(p.getInputStream().readAllBytes())).isZero();
    }

    private void certificates() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "2", "-subj", "/CN=edgesync test CA");
        for (String who : List.of("broker", "client")) {
            openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", who + ".key",
                    "-out", who + ".csr", "-subj", "/CN=" + who);
            Files.writeString(dir.resolve(who + ".ext"), who.equals("broker")
                    ? "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n");
            openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", who + ".pem", "-days", "2", "-extfile", who + ".ext");
        }
        Path passwd = Peers.require("mosquitto_passwd", "mosquitto");
        Process p = new ProcessBuilder(passwd.toString(), "-c", "-b", dir.resolve("passwd").toString(), USER, PASSWORD)
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
    }

    private AgentProcess agent(String name, String host, int brokerPort, int upstreamPort) throws Exception {
        int ftp = PeerProcess.freePort();
        int http = PeerProcess.freePort();
        String mqtt = """
                broker: ssl://%s:%d
                username: %s
                password: %s
                tls:
                  ca-file: %s
                  cert-file: %s
                  key-file: %s
                """.formatted(host, brokerPort, USER, PASSWORD, dir.resolve("ca.pem"), dir.resolve("client.pem"),
                dir.resolve("client.key"));
        String yaml = AgentProcess.yaml(dir.resolve(name + "-data"), ftp, http,
                AgentProcess.upstream("hq", upstreamPort, PyFtpd.USER, PyFtpd.PASSWORD), mqtt);
        return new AgentProcess(dir.resolve(name), yaml, ftp, http, Map.of()).start(true);
    }

    @Test
    void commandsAndTelemetryOverTlsWithAClientCertificateAndAPassword() throws Exception {
        certificates();
        int port = PeerProcess.freePort();
        String tls = "cafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate true\npassword_file %s\nallow_anonymous false\n"
                .formatted(dir.resolve("ca.pem"), dir.resolve("broker.pem"), dir.resolve("broker.key"), dir.resolve("passwd"));
        // the same broker on a second loopback address, for the host name check; run as the test's user, who
        // can read the test's private folder (mosquitto started as root would switch to user 'mosquitto')
        String both = tls + "listener " + port + " 127.0.0.2\n" + tls + "user " + System.getProperty("user.name") + "\n";
        try (PyFtpd upstream = PyFtpd.start(dir.resolve("upstream"));
             Mosquitto broker = Mosquitto.start(dir.resolve("broker"), port, both);
             AgentProcess agent = agent("agent", "127.0.0.1", port, upstream.port());
             AgentProcess wrongName = agent("wrong-name", "127.0.0.2", port, upstream.port())) {
            Operator ops = new Operator(port, List.of("--cafile", dir.resolve("ca.pem").toString(), "--cert",
                    dir.resolve("client.pem").toString(), "--key", dir.resolve("client.key").toString(),
                    "-u", USER, "-P", PASSWORD));
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.get("/health").statusCode() == 200);
            JsonNode reply = ops.request("edgesync/it-agent/cmd/ping", "{\"id\":\"tls\"}");
            assertThat(reply.path("ok").asBoolean()).as(reply.toString()).isTrue();
            assertThat(reply.path("id").asText()).isEqualTo("tls");

            await().atMost(Duration.ofSeconds(20)).until(() -> wrongName.log().contains("MQTT broker ssl://127.0.0.2"));
            assertThat(wrongName.log()).doesNotContain("MQTT connected to").contains("127.0.0.2 found");
            assertThat(wrongName.get("/health").statusCode()).as("its mqtt check is down").isEqualTo(503);
            assertThat(agent.log() + wrongName.log()).doesNotContain(PASSWORD);
        }
    }
}
