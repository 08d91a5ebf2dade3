package io.edgesync.agent.config;

import io.edgesync.testing.Peers;
import io.edgesync.testing.SelfSigned;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The PEM files an operator names ({@code mqtt.tls.*}, {@code upstreams[].ca-file}), as openssl writes them. */
class PemTlsTest {
    @TempDir
    Path dir;

    private Path openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(Peers.require("openssl", "openssl").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("openssl " + args[0] + ": " + out).isTrue();
        return dir;
    }

    @Test
    void aCaFileAndAClientKeyInTheFormatsOpensslWritesMakeAContext() throws Exception {
        SelfSigned rsa = SelfSigned.forAddress(dir, "127.0.0.1"); // PKCS#8 RSA key, as openssl req writes it
        SSLContext context = PemTls.context(Optional.of(rsa.cert()), Optional.of(rsa.cert()), Optional.of(rsa.key()));
        assertThat(context.getSocketFactory()).isNotNull();

        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec-sec1.pem");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ec-sec1.pem", "-out", "ec.pem");
        openssl("req", "-x509", "-key", "ec.pem", "-out", "ec-cert.pem", "-days", "2", "-subj", "/CN=client");
        assertThat(PemTls.context(Optional.empty(), Optional.of(dir.resolve("ec-cert.pem")),
                Optional.of(dir.resolve("ec.pem")))).isNotNull();

        openssl("genrsa", "-traditional", "-out", "rsa-pkcs1.pem", "2048");
        assertThat(Files.readString(dir.resolve("rsa-pkcs1.pem"))).contains("BEGIN RSA PRIVATE KEY");
        openssl("req", "-x509", "-key", "rsa-pkcs1.pem", "-out", "rsa-cert.pem", "-days", "2", "-subj", "/CN=client");
        assertThat(PemTls.context(Optional.empty(), Optional.of(dir.resolve("rsa-cert.pem")),
                Optional.of(dir.resolve("rsa-pkcs1.pem")))).as("PKCS#1 RSA, read by Helidon's PEM reader").isNotNull();
    }

    @Test
    void aFileThatIsNotWhatItShouldBeIsNamedWithWhatIsAccepted() throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.txt"), "not a certificate\n");
        assertThatThrownBy(() -> PemTls.context(Optional.of(notPem), Optional.empty(), Optional.empty()))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining(notPem.toString());
        SelfSigned ok = SelfSigned.forAddress(dir, "127.0.0.1");
        assertThatThrownBy(() -> PemTls.context(Optional.empty(), Optional.of(ok.cert()), Optional.of(ok.cert())))
                .as("a certificate where the key should be").isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining(ok.cert().toString()).hasMessageContaining("openssl pkcs8");
    }
}
