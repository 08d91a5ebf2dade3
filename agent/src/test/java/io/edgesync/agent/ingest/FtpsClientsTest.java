package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.config.Secret;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.SelfSigned;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The device clients over FTPS, explicit and implicit, on TLS 1.3 and 1.2 (rclone picks its own, 1.3): each
 * uploads a file of the size that failed under TLS 1.3 (the server's session tickets reset the connection),
 * lists a folder and fetches a 0 B file (what failed on TLS 1.3's user_canceled alert at the close), and lftp
 * mirrors a folder into a new one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FtpsClientsTest {
    @TempDir
    static Path data;
    private static final RecordingSink SINK = new RecordingSink();
    private static IngestServer server;
    private static int implicitPort;
    private static Path upload;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = SelfSigned.keystore(data, "ks-pass");
        int passive = PeerProcess.freeRange(16);
        implicitPort = PeerProcess.freePort();
        server = SINK.start(data, new FtpSettings("127.0.0.1", 0, passive, passive + 15, "", 16, 64, 64,
                Duration.ofSeconds(30), false, false, List.of(), new FtpSettings.LoginLimits(100, Duration.ZERO,
                Duration.ofSeconds(1)), Optional.of(new FtpSettings.Tls(keystore, Secret.of("ks-pass"), implicitPort)),
                List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elradfmw"))));
        Files.write(data.resolve("spool/cam/empty.bin"), new byte[0]);
        Files.createDirectories(data.resolve("spool/cam/listed"));
        upload = data.resolve("upload.bin");
        byte[] body = new byte[700_000];
        new Random(1).nextBytes(body);
        Files.write(upload, body);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static String run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
        return out;
    }

    private static void assertUploaded(String name) throws Exception {
        assertThat(data.resolve("spool/cam/" + name)).hasSameBinaryContentAs(upload);
    }

    @ParameterizedTest(name = "curl, {0} FTPS, TLS {1}")
    @CsvSource({"explicit, 1.3", "explicit, 1.2", "implicit, 1.3", "implicit, 1.2"})
    void curl(String mode, String tls) throws Exception {
        String curl = Peers.require("curl", "curl").toString();
        boolean implicit = mode.equals("implicit");
        String base = (implicit ? "ftps://127.0.0.1:" + implicitPort : "ftp://127.0.0.1:" + server.port()) + "/";
        List<String> common = new ArrayList<>(List.of(curl, "-sS", "-k", "--tlsv" + tls, "--tls-max", tls, "-u",
                "cam:cam-pw"));
        if (!implicit) {
            common.add("--ssl-reqd");
        }
        String name = "curl-" + mode + "-" + tls + ".bin";
        List<String> put = new ArrayList<>(common);
        put.addAll(List.of("-T", upload.toString(), base + name));
        run(put, Map.of());
        assertUploaded(name);
        List<String> list = new ArrayList<>(common);
        list.add(base + "listed/");
        run(list, Map.of());
        List<String> get = new ArrayList<>(common);
        get.addAll(List.of("-o", data.resolve("got-" + name).toString(), base + "empty.bin"));
        run(get, Map.of());
        assertThat(data.resolve("got-" + name)).isEmptyFile();
    }

    @ParameterizedTest(name = "lftp, {0} FTPS, TLS {1}")
    @CsvSource({"explicit, 1.3", "explicit, 1.2", "implicit, 1.3", "implicit, 1.2"})
    void lftp(String mode, String tls) throws Exception {
        String lftp = Peers.require("lftp", "lftp").toString();
        boolean implicit = mode.equals("implicit");
        String open = implicit ? "open -u cam,cam-pw ftps://127.0.0.1:" + implicitPort
                : "open -u cam,cam-pw -p " + server.port() + " 127.0.0.1";
        String version = tls.equals("1.3") ? "+VERS-TLS1.3" : "+VERS-TLS1.2";
        Path source = Files.createDirectories(data.resolve("mirror-" + mode + "-" + tls));
        Files.copy(upload, source.resolve("a.bin"));
        Files.write(source.resolve("b.bin"), new byte[0]);
        String script = String.join("; ", "set cmd:fail-exit yes", "set net:max-retries 1",
                "set ssl:verify-certificate no", "set ftp:ssl-force yes", "set ftp:ssl-protect-data yes",
                "set ssl:priority NORMAL:-VERS-ALL:" + version, open,
                "put " + upload + " -o lftp-" + mode + "-" + tls + ".bin", "cls listed", "get empty.bin -o "
                        + data.resolve("lftp-got-" + mode + "-" + tls), "mirror -R " + source + " new-" + mode + "-" + tls);
        run(List.of(lftp, "-c", script), Map.of());
        assertUploaded("lftp-" + mode + "-" + tls + ".bin");
        assertThat(data.resolve("lftp-got-" + mode + "-" + tls)).isEmptyFile();
        assertThat(data.resolve("spool/cam/new-" + mode + "-" + tls + "/a.bin")).hasSameBinaryContentAs(upload);
        assertThat(data.resolve("spool/cam/new-" + mode + "-" + tls + "/b.bin")).isEmptyFile();
    }

    @ParameterizedTest(name = "rclone, {0} FTPS")
    @CsvSource({"explicit", "implicit"})
    void rclone(String mode) throws Exception {
        String rclone = Peers.require("rclone", "rclone").toString();
        boolean implicit = mode.equals("implicit");
        String obscured = run(List.of(rclone, "obscure", "cam-pw"), Map.of()).trim();
        Map<String, String> env = Map.of("RCLONE_CONFIG_DEV_TYPE", "ftp", "RCLONE_CONFIG_DEV_HOST", "127.0.0.1",
                "RCLONE_CONFIG_DEV_PORT", Integer.toString(implicit ? implicitPort : server.port()),
                "RCLONE_CONFIG_DEV_USER", "cam", "RCLONE_CONFIG_DEV_PASS", obscured,
                implicit ? "RCLONE_CONFIG_DEV_TLS" : "RCLONE_CONFIG_DEV_EXPLICIT_TLS", "true",
                "RCLONE_CONFIG_DEV_NO_CHECK_CERTIFICATE", "true");
        Path source = Files.createDirectories(data.resolve("rclone-" + mode));
        Files.copy(upload, source.resolve("r.bin"));
        run(List.of(rclone, "copy", "--retries", "1", source.toString(), "dev:rclone-" + mode), env);
        assertThat(data.resolve("spool/cam/rclone-" + mode + "/r.bin")).hasSameBinaryContentAs(upload);
        run(List.of(rclone, "lsf", "--retries", "1", "dev:listed"), env);
        run(List.of(rclone, "copyto", "--retries", "1", "dev:empty.bin", data.resolve("rclone-got-" + mode).toString()), env);
        assertThat(data.resolve("rclone-got-" + mode)).isEmptyFile();
    }

    @ParameterizedTest(name = "ftplib FTP_TLS, TLS {0}")
    @CsvSource({"1.3", "1.2"})
    void ftplib(String tls) throws Exception {
        String python = Peers.pyftpdlib().toString(); // Debian's python3, which has ftplib
        String version = tls.equals("1.3") ? "TLSv1_3" : "TLSv1_2";
        Path script = data.resolve("ftps-" + tls + ".py");
        Files.writeString(script, """
                import ftplib, io, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.%s
                ftp = ftplib.FTP_TLS(context=ctx); ftp.connect('127.0.0.1', int(sys.argv[1]), timeout=20)
                ftp.login('cam', 'cam-pw'); ftp.prot_p()
                with open(sys.argv[2], 'rb') as f:
                    print(ftp.storbinary('STOR ftplib-%s.bin', f))
                print(ftp.nlst('listed'))
                got = io.BytesIO(); ftp.retrbinary('RETR empty.bin', got.write); print(len(got.getvalue()))
                ftp.quit()
                """.formatted(version, tls));
        String out = run(List.of(python, script.toString(), Integer.toString(server.port()), upload.toString()), Map.of());
        assertThat(out).contains("226");
        assertUploaded("ftplib-" + tls + ".bin");
    }
}
