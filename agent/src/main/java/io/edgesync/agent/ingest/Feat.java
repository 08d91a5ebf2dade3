package io.edgesync.agent.ingest;

import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

/**
 * FEAT without {@code MODE Z}: FtpServer advertises deflate, and clients such as lftp then compress every
 * upload, which costs a small board far more CPU than the LAN saves. The AUTH TLS, PBSZ and PROT lines
 * only when FTPS is configured.
 */
final class Feat extends AbstractCommand {
    private final String features;

    Feat(boolean tls) {
        this.features = tls ? FEATURES.replace(" UTF8", " AUTH TLS\n PBSZ\n PROT\n UTF8") : FEATURES;
    }

    private static final String FEATURES = String.join("\n",
            "Extensions supported",
            " SIZE",
            " MDTM",
            " MFMT",
            " REST STREAM",
            " MLST Size;Modify;Type;Perm",
            " UTF8",
            " TVFS",
            " EPSV",
            " EPRT",
            "End");

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) {
        session.resetState();
        session.write(reply());
    }

    FtpReply reply() {
        return new DefaultFtpReply(FtpReply.REPLY_211_SYSTEM_STATUS_REPLY, features);
    }
}
