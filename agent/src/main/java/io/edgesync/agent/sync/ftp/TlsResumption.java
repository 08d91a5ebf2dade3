package io.edgesync.agent.sync.ftp;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;

/**
 * Makes an FTPS data connection resume the control connection's TLS session. Servers such as vsftpd
 * ({@code require_ssl_reuse=YES}, its default) and FileZilla Server refuse a data connection that does not,
 * so that nobody but the logged-in client can use the passive port. The JDK resumes only a session it
 * cached for the same host and port, and the data port differs; it has no API to choose the session, so the
 * control connection's session is entered in the JDK's client cache under the data connection's host and
 * port (the approach of Cyberduck and others). That touches JDK internals: the jar's manifest opens
 * {@code java.base/sun.security.ssl} and {@code sun.security.util} to it. Without them, or on a JDK whose
 * internals differ, data connections start new sessions, which servers that do not demand reuse accept; the
 * start-up check ({@link #unavailable()}) warns about it.
 *
 * <p>What it takes, measured against vsftpd 3.0.3 (OpenSSL 3): TLS 1.2 with server-side session ids.
 * The server's TLS 1.2 session tickets carry a lifetime the JDK discards (2^31 s, over its 7-day limit), so
 * nothing was resumable: {@link #configureJdk} turns the ticket extension off and the server keeps the
 * session by id, resumable any number of times. TLS 1.3 resumes only with single-use tickets (the third data
 * connection was refused), hence {@code TLSv1.2} on FTPS upstreams ({@link DataPath.Tls}).
 */
public final class TlsResumption {
    private static final System.Logger LOG = System.getLogger(TlsResumption.class.getName());
    private static final String TICKETS = "jdk.tls.client.enableSessionTicketExtension";

    private TlsResumption() {
    }

    /**
     * TLS 1.2 clients ask for server-side session ids, not tickets (unless the operator set the property).
     * Read once by the JDK: call before any TLS connection.
     */
    public static void configureJdk() {
        if (System.getProperty(TICKETS) == null) {
            System.setProperty(TICKETS, "false");
        }
    }

    /**
     * The start-up self-check: why resumption cannot work in this JVM (the manifest's opens missing, or JDK
     * internals that differ), or empty when it can. Looks at the JDK's default client context, as
     * {@link #offer} will at the first FTPS data connection.
     */
    public static Optional<String> unavailable() {
        try {
            SSLSessionContext context = SSLContext.getDefault().getClientSessionContext();
            Field field = context.getClass().getDeclaredField("sessionHostPortCache");
            field.setAccessible(true);
            Method put = field.get(context).getClass().getMethod("put", Object.class, Object.class);
            put.setAccessible(true);
            return Optional.empty();
        } catch (ReflectiveOperationException | GeneralSecurityException | RuntimeException e) {
            return Optional.of(e.toString());
        }
    }

    static void offer(SSLSocket control, SSLSocket data) {
        try {
            // this control connection's own session: the cache's entry for the server's host and port may be
            // another worker's connection, whose session this server process does not know (measured: 522)
            SSLSession session = control.getSession();
            SSLSessionContext context = session.getSessionContext();
            if (context == null || !session.isValid()) {
                return;
            }
            Field field = context.getClass().getDeclaredField("sessionHostPortCache");
            field.setAccessible(true);
            Object cache = field.get(context);
            Method put = cache.getClass().getMethod("put", Object.class, Object.class);
            put.setAccessible(true);
            // the JDK looks up the peer host it was given and the data socket's port
            put.invoke(cache, key(session.getPeerHost(), data.getPort()), session);
            put.invoke(cache, key(data.getInetAddress().getHostAddress(), data.getPort()), session);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // the start-up check (unavailable()) warned about it once already
            LOG.log(System.Logger.Level.DEBUG, "TLS session not offered to the data connection: {0}", e.toString());
        }
    }

    private static String key(String host, int port) {
        return (host + ":" + port).toLowerCase(Locale.ENGLISH);
    }
}
