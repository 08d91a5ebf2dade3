package io.edgesync.agent.config;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * TLS from PEM files named in the config: CAs to trust (else the JVM's trust store), and optionally a client
 * certificate and its key. For the MQTT broker and for FTPS upstreams. The files are read by Helidon's PKI
 * support ({@link Keys}); this only puts them into an {@link SSLContext}.
 */
public final class PemTls {
    private PemTls() {
    }

    public static SSLSocketFactory socketFactory(MqttSettings.Tls tls) throws IOException, GeneralSecurityException {
        return context(tls.caFile(), tls.certFile(), tls.keyFile()).getSocketFactory();
    }

    /** A TLS context trusting {@code caFile}'s certificates, else the JVM's trust store; with a client key if given. */
    public static SSLContext context(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile)
            throws IOException, GeneralSecurityException {
        TrustManager[] trust = null; // the JVM's trust store
        if (caFile.isPresent()) {
            KeyStore store = emptyStore();
            int i = 0;
            for (Certificate ca : certificates(caFile.get())) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            trust = factory.getTrustManagers();
        }
        KeyManager[] keys = null;
        if (certFile.isPresent() && keyFile.isPresent()) {
            KeyStore store = emptyStore();
            char[] none = new char[0];
            store.setKeyEntry("client", privateKey(keyFile.get()), none,
                    certificates(certFile.get()).toArray(Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, none);
            keys = factory.getKeyManagers();
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys, trust, null);
        return context;
    }

    private static KeyStore emptyStore() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    /** The certificates of a PEM file: at least one, else a failure naming the file. */
    static List<X509Certificate> certificates(Path pem) throws GeneralSecurityException {
        List<X509Certificate> certs = read(pem, CERTIFICATES, () -> Keys.builder()
                .pem(p -> p.certificates(Resource.create(pem))).build().certs());
        if (certs.isEmpty()) {
            throw new GeneralSecurityException(pem + " holds no PEM certificate");
        }
        return certs;
    }

    /** The private key of a PEM file, else a failure naming the file and the formats read. */
    static PrivateKey privateKey(Path pem) throws GeneralSecurityException {
        return read(pem, KEY, () -> Keys.builder().pem(p -> p.key(Resource.create(pem))).build().privateKey())
                .orElseThrow(() -> new GeneralSecurityException(pem + " holds no private key; " + KEY));
    }

    private static final String CERTIFICATES = "certificates must be PEM (-----BEGIN CERTIFICATE-----)";
    private static final String KEY = "keys must be unencrypted PKCS#8 (BEGIN PRIVATE KEY) or PKCS#1 RSA (BEGIN RSA"
            + " PRIVATE KEY), RSA or EC; convert others with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8";

    /** Helidon's PEM reader, its failures named with the file and what it accepts. */
    private static <T> T read(Path pem, String accepted, Supplier<T> reader) throws GeneralSecurityException {
        try {
            return reader.get();
        } catch (RuntimeException e) {
            throw new GeneralSecurityException(pem + ": not readable (" + e.getMessage() + "); " + accepted, e);
        }
    }
}
