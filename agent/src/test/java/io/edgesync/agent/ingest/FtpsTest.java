package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.testing.PeerProcess;
import io.edgesync.testing.Peers;
import io.edgesync.testing.SelfSigned;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPSClient;
import org.apache.commons.net.util.TrustManagerUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** FTPS towards devices: explicit (AUTH TLS) and implicit, PROT P data, and accounts that require TLS. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FtpsTest {
    @TempDir
    Path data;
    private final RecordingSink sink = new RecordingSink();
    private final List<ReceivedFile> recorded = sink.recorded;
    private IngestServer server;
    private int implicitPort;

    @BeforeEach
    void start() throws Exception {
        Path keystore = SelfSigned.keystore(data, "ks-pass");
        int passive = PeerProcess.freeRange(8);
        implicitPort = PeerProcess.freePort();
        FtpSettings settings = new FtpSettings("127.0.0.1", 0, passive, passive + 7, "", 16, 64, 16,
                Duration.ofSeconds(30), false, true, List.of(), new FtpSettings.LoginLimits(100, Duration.ZERO,
                Duration.ofSeconds(1)), Optional.of(new FtpSettings.Tls(keystore, Secret.of("ks-pass"), implicitPort)),
                List.of(new FtpSettings.User("cam", Password.parse("cam-pw"), "cam", "elrw"),
                        new FtpSettings.User("secure", Password.parse("secure-pw"), "secure", "elrw", FtpSettings.Limits.NONE, true,
                                List.of())));
        server = sink.start(data, settings);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private FTPSClient ftps(boolean implicit) {
        FTPSClient client = new FTPSClient("TLS", implicit);
        client.setTrustManager(TrustManagerUtils.getAcceptAllTrustManager()); // the test's self-signed certificate
        client.setDefaultTimeout(10_000);
        client.setDataTimeout(Duration.ofSeconds(10));
        return client;
    }

    @Test
    void explicitTlsWithPrivateDataUploads() throws Exception {
        try (RawClient clear = new RawClient(server.port())) {
            clear.out.write("FEAT\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            clear.out.flush();
            assertThat(clear.replyLines()).as("FEAT before AUTH TLS and login").contains(" AUTH TLS", " PBSZ", " PROT");
        }
        FTPSClient client = ftps(false);
        client.connect("127.0.0.1", server.port());
        assertThat(client.features()).as("FEAT over TLS before login").isTrue();
        assertThat(client.getReplyString()).contains("AUTH TLS", "PBSZ", "PROT");
        assertThat(client.login("secure", "secure-pw")).isTrue();
        client.execPBSZ(0);
        client.execPROT("P");
        client.setFileType(FTP.BINARY_FILE_TYPE);
        client.enterLocalPassiveMode();
        byte[] body = new byte[100_000];
        assertThat(client.storeFile("s.bin", new ByteArrayInputStream(body))).as(client::getReplyString).isTrue();
        assertThat(data.resolve("spool/secure/s.bin")).hasSize(100_000);
        client.disconnect();
    }

    @Test
    void anAccountThatRequiresTlsCannotTransferOverAClearDataChannel() throws Exception {
        FTPSClient client = ftps(false);
        client.connect("127.0.0.1", server.port());
        assertThat(client.login("secure", "secure-pw")).isTrue();
        client.setFileType(FTP.BINARY_FILE_TYPE);
        client.enterLocalPassiveMode();
        client.execPBSZ(0);
        client.execPROT("C");
        assertThat(client.storeFile("clear.bin", new ByteArrayInputStream(new byte[1000]))).isFalse();
        assertThat(client.getReplyCode()).isEqualTo(521);
        assertThat(client.listNames()).isNull();
        assertThat(client.getReplyCode()).isEqualTo(521);
        assertThat(data.resolve("spool/secure/clear.bin")).doesNotExist();
        client.execPROT("P");
        assertThat(client.storeFile("private.bin", new ByteArrayInputStream(new byte[1000]))).isTrue();
        assertThat(client.listNames()).containsExactly("private.bin");
        client.disconnect();
    }

    @Test
    void implicitTlsOnItsOwnPort() throws Exception {
        FTPSClient client = ftps(true);
        client.connect("127.0.0.1", implicitPort);
        assertThat(client.login("cam", "cam-pw")).isTrue();
        client.execPBSZ(0);
        client.execPROT("P");
        client.enterLocalPassiveMode();
        assertThat(client.storeFile("i.bin", new ByteArrayInputStream(new byte[5000]))).isTrue();
        assertThat(recorded).extracting(ReceivedFile::path).contains("cam/i.bin");
        client.disconnect();
    }

    @Test
    void anAccountThatRequiresTlsCannotLogInInTheClear() throws Exception {
        FTPClient plain = new FTPClient();
        plain.setDefaultTimeout(10_000);
        plain.connect("127.0.0.1", server.port());
        assertThat(plain.login("secure", "secure-pw")).isFalse();
        // the reply of a wrong password: a plain login must not tell which accounts exist (the log says why)
        assertThat(plain.getReplyString()).contains("530 Authentication failed.");
        assertThat(plain.login("cam", "cam-pw")).as("other accounts may stay plain").isTrue();
        plain.disconnect();
    }

    @Test
    void curlUploadsOverExplicitTls() throws Exception {
        Path curl = Peers.require("curl", "curl");
        Path file = Files.write(data.resolve("c.bin"), new byte[33_000]);
        Process p = new ProcessBuilder(curl.toString(), "-sS", "--ssl-reqd", "-k", "-T", file.toString(),
                "ftp://secure:secure-pw@127.0.0.1:" + server.port() + "/c.bin").redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        assertThat(data.resolve("spool/secure/c.bin")).hasSameBinaryContentAs(file);
    }

}
