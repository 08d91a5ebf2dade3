package io.edgesync.agent.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private AgentConfig load(String yaml) throws IOException {
        Path file = dir.resolve("edgesync.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(Optional.of(file));
    }

    private ConfigException problems(String yaml) {
        return catchThrowableOfType(ConfigException.class, () -> load(yaml));
    }

    @Test
    void readsEveryContractKey() throws IOException {
        AgentConfig config = load("""
                agent:
                  id: board-7
                  data-dir: /var/lib/edgesync
                ftp:
                  bind: 127.0.0.1
                  port: 2121
                  passive-ports: 30000-30031
                  passive-address: 203.0.113.9
                  users:
                    - name: cam1
                      password: s3cret
                      home: cameras/cam1
                      perm: mw
                upstreams:
                  - name: hq
                    url: ftps://ftp.example.com:990/in/site7
                    user: site7
                    password: up-pass
                    workers: 3
                    data-timeout: 2m
                http:
                  bind: 0.0.0.0
                  port: 9090
                mqtt:
                  broker: tcp://broker:1883
                  topic-prefix: plant
                """);
        assertThat(config.agent().id()).isEqualTo("board-7");
        assertThat(config.agent().dataDir()).isEqualTo(Path.of("/var/lib/edgesync"));
        assertThat(config.ftp().passivePortsFrom()).isEqualTo(30000);
        assertThat(config.ftp().passivePortsTo()).isEqualTo(30031);
        assertThat(config.ftp().passiveAddress()).isEqualTo("203.0.113.9");
        FtpSettings.User user = config.ftp().users().getFirst();
        assertThat(user.home()).isEqualTo("cameras/cam1");
        assertThat(user.may('w')).isTrue();
        assertThat(user.may('r')).isFalse();
        UpstreamSettings up = config.upstreams().getFirst();
        assertThat(up.tls()).isTrue();
        assertThat(up.port()).isEqualTo(990);
        assertThat(up.baseDir()).isEqualTo("in/site7");
        assertThat(up.workers()).isEqualTo(3);
        assertThat(up.dataTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.http().port()).isEqualTo(9090);
        assertThat(config.mqtt().enabled()).isTrue();
        assertThat(config.mqtt().topicPrefix()).isEqualTo("plant");
        assertThat(config.mqtt().clientId()).isEqualTo("edgesync-board-7");
    }

    @Test
    void emptyFileGivesTheEmbeddedDefaults() throws IOException {
        AgentConfig config = load("{}\n");
        assertThat(config.ftp().port()).isEqualTo(2121);
        assertThat(config.ftp().anonymous()).isFalse();
        assertThat(config.ftp().users()).isEmpty();
        assertThat(config.http().port()).isEqualTo(8080);
        assertThat(config.mqtt().enabled()).isFalse();
        assertThat(config.mqtt().topicPrefix()).isEqualTo("edgesync");
        assertThat(config.agent().id()).isNotBlank();
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        ConfigException e = problems("""
                ftp:
                  port: 70000
                  passive-ports: 30031-30000
                http:
                  port: eighty
                """);
        assertThat(e.problems()).containsExactlyInAnyOrder(
                "ftp.port: '70000' is not valid; allowed: 0-65535 (0 = any free port)",
                "http.port: 'eighty' is not valid; allowed: a whole number");
        // ftp.port fails first in its section; the passive range is checked once the port is fixed
        ConfigException range = problems("ftp:\n  passive-ports: 30031-30000\n");
        assertThat(range.getMessage()).startsWith("ftp.passive-ports: '30031-30000' is not valid; allowed: a range");
    }

    @Test
    void listEntriesAreNamedByTheirIndex() {
        ConfigException e = problems("""
                ftp:
                  users:
                    - name: ok
                      password: x
                      home: a
                    - name: cam2
                      password: y
                      home: ../etc
                upstreams:
                  - name: hq
                    url: http://example.com/
                    user: u
                """);
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("ftp.users.1.home: '../etc' is not valid;"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("upstreams.0.url: 'http://example.com/'"));
    }

    @Test
    void uplinkControlsAreReadAndEveryMistakeNamesItsKey() throws IOException {
        AgentConfig config = load("""
                sync:
                  bandwidth: "Mon-Fri 08:00-18:00 2Mbit, else off"
                  time-zone: Europe/Berlin
                  starve-after: 10m
                  priorities:
                    - {glob: "alarms/**", priority: 100}
                    - {glob: "logs/**", priority: -10}
                upstreams:
                  - name: hq
                    url: ftp://hq.example/in
                    user: u
                    bandwidth: 512kbit
                    budget: {daily: 500MB, monthly: 10GB, reset-day: 15, reset-time: "06:00", time-zone: UTC}
                    budget-exempt: ["alarms/**"]
                """);
        assertThat(config.sync().bandwidth().text()).isEqualTo("Mon-Fri 08:00-18:00 2Mbit, else off");
        assertThat(config.sync().timeZone()).isEqualTo(java.time.ZoneId.of("Europe/Berlin"));
        assertThat(config.sync().priorities()).extracting(PriorityRule::glob, PriorityRule::priority)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alarms/**", 100),
                        org.assertj.core.groups.Tuple.tuple("logs/**", -10));
        UpstreamSettings hq = config.upstreams().getFirst();
        assertThat(hq.bandwidth().rateAt(java.time.ZonedDateTime.now())).isEqualTo(64_000);
        assertThat(hq.budget()).isEqualTo(new BudgetSettings(500_000_000, 10_000_000_000L, 15,
                java.time.LocalTime.of(6, 0), Optional.of(java.time.ZoneId.of("UTC"))));
        assertThat(hq.budgetExempt()).containsExactly("alarms/**");

        String upstream = "upstreams:\n  - {name: hq, url: ftp://hq.example/in, user: u%s}\n";
        assertThat(problems("sync: {bandwidth: Mon-Fri 2 Mbit}").problems())
                .anySatisfy(p -> assertThat(p).startsWith("sync.bandwidth: 'Mon-Fri 2 Mbit'").contains("[DAYS]"));
        assertThat(problems("sync: {time-zone: Mars/Olympus}").problems())
                .anySatisfy(p -> assertThat(p).startsWith("sync.time-zone: 'Mars/Olympus'").contains("Europe/Berlin"));
        assertThat(problems("sync: {priorities: [{glob: \"alarms/[\", priority: 5}]}").problems())
                .anySatisfy(p -> assertThat(p).startsWith("sync.priorities.0.glob: 'alarms/['"));
        assertThat(problems("sync: {priorities: [{glob: \"a/**\"}, {glob: \"b/**\", priority: 5000}]}").problems())
                .anySatisfy(p -> assertThat(p).startsWith("sync.priorities.1.priority: '5000'"));
        assertThat(problems(upstream.formatted(", budget: {daily: lots}")).problems())
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.budget.daily: 'lots'"));
        assertThat(problems(upstream.formatted(", budget: {daily: 1MB, reset-time: \"25:00\"}")).problems())
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.budget.reset-time: '25:00'"));
        assertThat(problems(upstream.formatted(", budget: {daily: 1MB, reset-day: 31}")).problems())
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.budget.reset-day: '31'"));
        assertThat(problems(upstream.formatted(", budget-exempt: [\"alarms/**\"]")).problems())
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.budget-exempt:").contains("has none"));
        assertThat(problems(upstream.formatted(", budget: {daily: 8Mb}")).problems())
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.budget.daily: '8Mb'").contains("bits or bytes"));
        assertThat(load(upstream.formatted(", bandwidth: off")).upstreams().getFirst().bandwidth().limits())
                .as("YAML reads an unquoted off as false").isFalse();
        assertThat(problems(upstream.formatted(", bandwidth: 2Mb")).problems())
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.bandwidth: '2Mb'").contains("ambiguous"));
    }

    @Test
    void permissionLettersAreChecked() {
        assertThat(problems("""
                ftp:
                  users:
                    - {name: cam, password: p, home: cam, perm: rwx}
                """).getMessage()).contains("ftp.users.0.perm: 'rwx' is not valid; allowed: one or more of the letters elradfmwMT");
    }

    @Test
    void credentialsInAnUpstreamUrlAreRefusedWithoutEchoingThem() {
        ConfigException e = problems("""
                upstreams:
                  - {name: hq, url: "ftp://joe:hunter2@example.com/in", user: joe}
                """);
        assertThat(e.getMessage()).contains("upstreams.0.url").contains("put them in 'user' and 'password'")
                .doesNotContain("hunter2");
    }

    @Test
    void hashedPasswordsAreReadAndBrokenOnesNamed() throws IOException {
        String hash = Password.Pbkdf2.create("pw".toCharArray(), 20_000, new java.security.SecureRandom()).encoded();
        AgentConfig config = load("ftp:\n  users:\n    - {name: cam, password: '" + hash + "', home: cam}\n");
        assertThat(config.ftp().users().getFirst().password().matches("pw")).isTrue();

        assertThat(problems("ftp:\n  users:\n    - {name: cam, password: 'pbkdf2-sha256$1$x$y', home: cam}\n")
                .getMessage()).startsWith("ftp.users.0.password: 'pbkdf2-sha256$...' is not valid; it is not a valid hash")
                .contains("hash-password");
    }

    @Test
    void allowListsTakeAddressesAndBlocksButNoHostNames() throws IOException {
        AgentConfig config = load("ftp:\n  users:\n    - {name: cam, password: p, home: cam, allow: [10.1.2.0/24, 'fd00::/8', 10.9.9.9]}\n");
        assertThat(config.ftp().users().getFirst().allow()).containsExactly("10.1.2.0/24", "fd00::/8", "10.9.9.9");
        assertThat(problems("ftp:\n  users:\n    - {name: cam, password: p, home: cam, allow: [camera.local]}\n")
                .getMessage()).contains("ftp.users.0.allow.0: 'camera.local' is not valid").contains("no host names");
    }

    @Test
    void tlsSettingsAreChecked() {
        assertThat(problems("""
                ftp:
                  users:
                    - {name: cam, password: p, home: cam, require-tls: true}
                """).getMessage()).contains("ftp.users.0.require-tls: 'true' is not valid; this needs FTPS");
        assertThat(problems("ftp:\n  tls:\n    keystore: /nonexistent/ftp.p12\n").getMessage())
                .contains("ftp.tls.keystore: '/nonexistent/ftp.p12' is not valid; no readable PKCS12 file");
    }

    @Test
    void mqttTlsFilesAreReadWhenTheConfigIsLoadedAndABadOneIsNamedByItsKey(@TempDir Path tmp) throws Exception {
        Path garbage = java.nio.file.Files.writeString(tmp.resolve("garbage.pem"), "garbage garbage\n");
        String tls = "mqtt:\n  broker: ssl://127.0.0.1:8883\n  tls: {%s}\n";
        assertThat(problems(tls.formatted("ca-file: '" + garbage + "'")).getMessage())
                .contains("mqtt.tls.ca-file: '" + garbage + "' is not valid; allowed: a readable PEM file")
                .contains("BEGIN CERTIFICATE").doesNotContain("pkcs8");
        assertThat(problems(tls.formatted("cert-file: '" + garbage + "', key-file: '" + garbage + "'")).getMessage())
                .contains("mqtt.tls.cert-file: '" + garbage + "' is not valid");
        Path cert = io.edgesync.testing.SelfSigned.forAddress(tmp, "127.0.0.1").cert();
        assertThat(problems(tls.formatted("cert-file: '" + cert + "', key-file: '" + garbage + "'")).getMessage())
                .contains("mqtt.tls.key-file: '" + garbage + "' is not valid").contains("openssl pkcs8");
    }

    @Test
    void anUpstreamCaFileMustHoldPemCertificates(@TempDir Path tmp) throws IOException {
        Path notPem = Files.writeString(tmp.resolve("ca.pem"), "not a certificate");
        assertThat(problems("upstreams:\n  - {name: hq, url: 'ftps://h/in', user: u, ca-file: '" + notPem + "'}\n")
                .getMessage()).contains("upstreams.0.ca-file: '" + notPem + "' is not valid; allowed: a PEM file of CA certificates");
        assertThat(problems("upstreams:\n  - {name: hq, url: 'ftps://h/in', user: u, ca-file: /nonexistent/ca.pem}\n")
                .getMessage()).contains("upstreams.0.ca-file: '/nonexistent/ca.pem' is not valid; allowed: a readable file");
    }

    @Test
    void implicitTlsIsForFtpsUpstreamsAndDefaultsToPort990() throws IOException {
        assertThat(problems("upstreams:\n  - {name: hq, url: 'ftp://h/in', user: u, implicit-tls: true}\n")
                .getMessage()).contains("upstreams.0.implicit-tls: 'true' is not valid; allowed only with an ftps:// url");
        AgentConfig implicit = load("upstreams:\n  - {name: hq, url: 'ftps://h/in', user: u, implicit-tls: true}\n");
        assertThat(implicit.upstreams().getFirst().implicitTls()).isTrue();
        assertThat(implicit.upstreams().getFirst().port()).isEqualTo(990);
        AgentConfig explicit = load("upstreams:\n  - {name: hq, url: 'ftps://h/in', user: u}\n");
        assertThat(explicit.upstreams().getFirst().implicitTls()).isFalse();
        assertThat(explicit.upstreams().getFirst().port()).isEqualTo(21);
    }

    @Test
    void durationsAcceptUnitsAndIso() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("PT2H")).isEqualTo(Duration.ofHours(2));
        assertThat(problems("sync:\n  retry-max: soon\n").getMessage())
                .isEqualTo("sync.retry-max: 'soon' is not valid; " + Durations.ALLOWED);
    }

    @Test
    void anonymousUserNeedsAnonymousSwitchedOn() {
        assertThat(problems("""
                ftp:
                  users:
                    - {name: anonymous, password: x, home: pub}
                """).getMessage()).contains("ftp.users.0.name: 'anonymous'").contains("ftp.anonymous: true");
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(missing)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--config: '" + missing + "'").hasMessageContaining("no readable file");
    }

    @Test
    void invalidYamlIsReportedAsSuch() {
        assertThat(problems("ftp: [unclosed\n").getMessage()).contains("not valid YAML");
    }

    @Test
    void secretsNeverAppearInToString() throws IOException {
        AgentConfig config = load("""
                ftp:
                  users:
                    - {name: cam, password: cam-password-123, home: cam}
                upstreams:
                  - {name: hq, url: "ftp://h/in", user: u, password: up-password-456}
                mqtt:
                  broker: tcp://b:1883
                  password: mqtt-password-789
                """);
        assertThat(config.toString()).doesNotContain("cam-password-123", "up-password-456", "mqtt-password-789")
                .contains("****");
    }

    @Test
    void anUnknownOrMisspelledKeyIsAnErrorThatNamesTheNearestKnownOne() {
        ConfigException e = problems("""
                sync:
                  bandwith-limit: 2Mbit
                  retry-intial: 5s
                ftp:
                  tls:
                    implicit-port: 990
                  users:
                    - {name: cam, password: pw, home: cam, bandwidth: 1Mbit}
                upstreams:
                  - {name: hq, url: "ftp://h/in", user: u, incldue: ["*.jpg"]}
                mqtt:
                  brokr: tcp://localhost:1883
                retention:
                colour: blue
                """);
        assertThat(e).isNotNull();
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("sync.retry-intial:")
                        .contains("did you mean sync.retry-initial"))
                .anySatisfy(p -> assertThat(p).startsWith("sync.bandwith-limit:").contains("not a setting"))
                .anySatisfy(p -> assertThat(p).startsWith("ftp.users.0.bandwidth:").contains("not a setting"))
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.incldue:").contains("did you mean upstreams.0.include"))
                .anySatisfy(p -> assertThat(p).startsWith("mqtt.brokr:").contains("did you mean mqtt.broker"))
                .anySatisfy(p -> assertThat(p).startsWith("colour:").contains("not a setting"))
                .noneSatisfy(p -> assertThat(p).startsWith("ftp.tls.implicit-port"))
                .noneSatisfy(p -> assertThat(p).as("an empty section").startsWith("retention"));
    }

    @Test
    void theShippedPlaceholderPasswordsAreRefusedUntilEdited() {
        // installed from the package, the agent starts at once: not with an FTP account anyone can guess
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(Optional.of(Path.of("../config/edgesync.yaml"))));
        assertThat(e).isNotNull();
        assertThat(e.problems())
                .anySatisfy(p -> assertThat(p).startsWith("ftp.users.0.password:").contains("placeholder"))
                .anySatisfy(p -> assertThat(p).startsWith("ftp.users.1.password:").contains("placeholder"))
                .anySatisfy(p -> assertThat(p).startsWith("upstreams.0.password:").contains("placeholder"))
                .allSatisfy(p -> assertThat(p).doesNotContain("change-me-too"));
    }

    @Test
    void placeholdersAreRefusedInAnyCaseWithOrWithoutTheDash() throws IOException {
        for (String password : List.of("Change-Me", "CHANGE-ME-2", "changeme", "change_me")) {
            Path file = dir.resolve("placeholder.yaml");
            Files.writeString(file, """
                    ftp:
                      users:
                        - {name: cam, password: "%s", home: cam}
                    """.formatted(password));
            ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(Optional.of(file)));
            assertThat(e).as(password).isNotNull();
            assertThat(e.problems()).as(password).anySatisfy(p -> assertThat(p)
                    .startsWith("ftp.users.0.password:").contains("placeholder").doesNotContain(password));
        }
    }

    @Test
    void aYamlSyntaxErrorSaysWhereWithoutQuotingTheLine() throws IOException {
        // the broken line is a password's: the parser's own message quotes it
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, """
                ftp:
                  users:
                    - name: cam
                      password: [Cam1-New-pass-22 x: y
                """);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(Optional.of(file)));
        assertThat(e).isNotNull();
        assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p).contains("not valid YAML")
                .containsPattern("line \\d+, column \\d+").doesNotContain("Cam1-New-pass-22"));
    }

    @Test
    void theShippedConfigurationsHaveOnlyKnownKeys() throws IOException {
        List<Path> shipped = new ArrayList<>(List.of(Path.of("../config/edgesync.yaml")));
        try (var examples = Files.list(Path.of("../config/examples"))) {
            examples.filter(p -> p.toString().endsWith(".yaml")).forEach(shipped::add);
        }
        for (Path file : shipped) {
            ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(Optional.of(file)));
            if (e != null) {
                assertThat(e.problems()).as(file.toString()).noneMatch(p -> p.contains("is not a setting"));
            }
        }
        assertThat(ConfigLoader.loadResource("edgesync-demo.yaml").agent().id()).isNotBlank();
    }
}
