package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import org.apache.ftpserver.command.AbstractCommand;
import org.apache.ftpserver.ftplet.DefaultFtpReply;
import org.apache.ftpserver.ftplet.FtpReply;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.impl.FtpIoSession;
import org.apache.ftpserver.impl.FtpServerContext;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * FEAT that lists what the account may use: a client takes every line as a promise (rclone, offered MFMT,
 * sets each file's time after its upload and fails the file when that is refused). After login the
 * account's permission letters decide; before login only what every account may use is listed. Never
 * {@code MODE Z}: FtpServer advertises deflate, and clients such as lftp then compress every upload, which
 * costs a small board far more CPU than the LAN saves. AUTH TLS, PBSZ and PROT only when FTPS is configured.
 */
final class Feat extends AbstractCommand {
    /** A FEAT line and what an account needs for it. */
    private record Line(String text, Predicate<FtpSettings.User> allowed) {
    }

    private static final List<Line> LINES = List.of(
            new Line(" SIZE", u -> u.may('l') || u.may('w') || u.may('a')),
            new Line(" MDTM", u -> u.may('l')),
            new Line(" MFMT", u -> u.may('T')),
            new Line(" REST STREAM", u -> u.may('w') || u.may('r')),
            new Line(" MLST Size;Modify;Type;Perm", u -> u.may('l')),
            new Line(" UTF8", u -> true),
            new Line(" TVFS", u -> true),
            new Line(" EPSV", u -> true),
            new Line(" EPRT", u -> true));

    private final boolean tls;
    private final Accounts accounts;

    Feat(boolean tls, Accounts accounts) {
        this.tls = tls;
        this.accounts = accounts;
    }

    @Override
    public void execute(FtpIoSession session, FtpServerContext context, FtpRequest request) {
        session.resetState();
        session.write(session.getUser() == null ? beforeLogin()
                : reply(accounts.get(session.getUser().getName()).map(List::of).orElse(List.of())));
    }

    /** Before login: the lines every account may use. */
    FtpReply beforeLogin() {
        return reply(accounts.all());
    }

    /** The lines all of {@code users} may use (none of the letter-bound ones for no user). */
    private FtpReply reply(List<FtpSettings.User> users) {
        List<String> lines = new ArrayList<>(List.of("Extensions supported"));
        for (Line line : LINES) {
            if (!users.isEmpty() && users.stream().allMatch(line.allowed())) {
                lines.add(line.text());
            }
            if (line.text().equals(" EPRT") && tls) {
                lines.addAll(List.of(" AUTH TLS", " PBSZ", " PROT"));
            }
        }
        lines.add("End");
        return new DefaultFtpReply(FtpReply.REPLY_211_SYSTEM_STATUS_REPLY, String.join("\n", lines));
    }
}
