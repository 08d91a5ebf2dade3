package io.edgesync.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A self-signed certificate for a loopback address, made by the openssl command line tool; or a keystore. */
public record SelfSigned(Path cert, Path key) {

    public static SelfSigned forAddress(Path dir, String ip) throws IOException, InterruptedException {
        Path openssl = Peers.require("openssl", "openssl");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder(openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=edgesync test",
                "-addext", "subjectAltName=IP:" + ip).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl req failed: " + out);
        }
        return new SelfSigned(cert, key);
    }

    /** A PKCS12 keystore with an EC key and a self-signed certificate for 127.0.0.1, made by the JDK's keytool. */
    public static Path keystore(Path dir, String password) throws IOException, InterruptedException {
        Path keystore = dir.resolve("ftp.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "ftp", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool -genkeypair failed: " + out);
        }
        return keystore;
    }
}
