package io.edgesync.agent.ingest;

import org.apache.ftpserver.impl.DefaultFtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;

/**
 * Answers FEAT before login, as vsftpd and most servers do: FTPS clients ask it before they log in to see
 * whether AUTH TLS is offered (RFC 4217, section 6), and FtpServer refuses everything before login except
 * USER, PASS, AUTH, QUIT, PROT and PBSZ with 530, in its handler, before any Ftplet or command runs. Sits
 * last in each listener's filter chain, where a command is a decoded line; after login FEAT goes on to the
 * {@link Feat} command as before.
 */
final class FeatBeforeLogin extends IoFilterAdapter {
    private final Feat feat;

    FeatBeforeLogin(Feat feat) {
        this.feat = feat;
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (message instanceof String line && "FEAT".equals(new DefaultFtpRequest(line).getCommand())
                && !new FtpIoSession(session, null).isLoggedIn()) {
            session.write(feat.beforeLogin());
            return;
        }
        next.messageReceived(session, message);
    }
}
