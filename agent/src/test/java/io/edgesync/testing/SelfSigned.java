package io.edgesync.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A self-signed certificate for a loopback address, made by the openssl command line tool. */
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
}
