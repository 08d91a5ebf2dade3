package io.edgesync.agent.sync.ftp;

import io.edgesync.agent.config.PemTls;
import io.edgesync.agent.config.Secret;
import io.edgesync.agent.config.UpstreamSettings;
import org.apache.commons.net.ProtocolCommandEvent;
import org.apache.commons.net.ProtocolCommandListener;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * {@link Uploader} over Apache Commons Net, the connector: connects (passive, binary, UTF-8, every wait
 * bounded by the upstream's connect/control/data timeouts: Commons Net's own defaults are infinite; FTPS
 * explicit or implicit with {@code PROT P}), logs in, reads FEAT, and hands the connection to an
 * {@link FtpSession}. Holds what the upstream's sessions share: the credentials and the {@link Pipelining}.
 */
public final class FtpUploader implements Uploader {
    private static final System.Logger LOG = System.getLogger(FtpUploader.class.getName());

    private final UpstreamSettings upstream;
    private final String where;
    private volatile Credentials credentials;
    private final SSLContext tls; // null for plain FTP
    private final Pipelining pipelining;

    private record Credentials(String user, Secret password) {
    }

    public FtpUploader(UpstreamSettings upstream) {
        this.upstream = upstream;
        this.tls = upstream.tls() ? tlsContext(upstream) : null;
        this.where = "[" + upstream.host() + ":" + upstream.port() + "]";
        this.credentials = new Credentials(upstream.user(), upstream.password());
        this.pipelining = new Pipelining(where);
    }

    private static SSLContext tlsContext(UpstreamSettings upstream) {
        try {
            return PemTls.context(upstream.caFile(), Optional.empty(), Optional.empty());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("upstream " + upstream.name() + ": cannot read ca-file "
                    + upstream.caFile().map(Object::toString).orElse("") + ": " + e.getMessage(), e);
        }
    }

    /** Whether small files still go out before their 150 (tests). */
    boolean sendsDataBefore150() {
        return pipelining.earlyData();
    }

    @Override
    public void useCredentials(String user, Secret password) {
        credentials = new Credentials(user, password);
    }

    /**
     * How this upstream sets a file's time when its FEAT does not offer MFMT, learned by the first file that
     * tries ({@code SITE UTIME}, then vsftpd's {@code MDTM} with a time; {@code none}); null until then.
     */
    private final java.util.concurrent.atomic.AtomicReference<String> timeMethod =
            new java.util.concurrent.atomic.AtomicReference<>();

    @Override
    public Session open() throws UpstreamException {
        return open(() -> { });
    }

    @Override
    public Session open(Runnable sign) throws UpstreamException {
        return open(sign, bytes -> { });
    }

    @Override
    public Session open(Runnable sign, java.util.function.LongConsumer control) throws UpstreamException {
        FTPClient client = DataPath.client(tls, upstream.implicitTls());
        client.addProtocolCommandListener(new ProtocolCommandListener() {
            @Override
            public void protocolCommandSent(ProtocolCommandEvent event) {
                // a command sent is no sign the server lives
                control.accept(event.getMessage().length());
            }

            @Override
            public void protocolReplyReceived(ProtocolCommandEvent event) {
                sign.run();
                control.accept(event.getMessage().length());
            }
        });
        client.setConnectTimeout((int) upstream.connectTimeout().toMillis());
        client.setDefaultTimeout((int) upstream.controlTimeout().toMillis());
        client.setDataTimeout(upstream.dataTimeout());
        client.setControlEncoding("UTF-8");
        try {
            connect(client);
            login(client);
            String home = client.printWorkingDirectory();
            if (home == null) {
                throw Replies.failure(where, UpstreamException.Reason.CONNECT, client, "PWD");
            }
            return new FtpSession(client, home, Features.read(client), upstream, where, pipelining, timeMethod);
        } catch (UpstreamException e) {
            Replies.disconnect(client);
            throw e;
        } catch (IOException e) {
            Replies.disconnect(client);
            throw Replies.io(where, e, UpstreamException.Reason.CONNECT, "connect/login");
        }
    }

    private void connect(FTPClient client) throws IOException, UpstreamException {
        client.connect(upstream.host(), upstream.port());
        client.setSoTimeout((int) upstream.controlTimeout().toMillis());
        if (!FTPReply.isPositiveCompletion(client.getReplyCode())) {
            throw Replies.failure(where, UpstreamException.Reason.CONNECT, client, "greeting");
        }
    }

    private void login(FTPClient client) throws IOException, UpstreamException {
        Credentials login = credentials;
        if (!client.login(login.user(), login.password().reveal())) {
            throw Replies.failure(where, UpstreamException.Reason.LOGIN, client, "USER " + login.user() + " / PASS ****");
        }
        if (client instanceof FTPSClient tls) {
            tls.execPBSZ(0);
            tls.execPROT("P");
        }
        if (!client.setFileType(FTP.BINARY_FILE_TYPE)) {
            throw Replies.failure(where, UpstreamException.Reason.CONNECT, client, "TYPE I");
        }
        client.enterLocalPassiveMode();
        client.sendCommand("OPTS", "UTF8 ON"); // optional: servers that lack it answer 5xx and stay usable
    }
}
