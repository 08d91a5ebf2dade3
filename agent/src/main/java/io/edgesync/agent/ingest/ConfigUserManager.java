package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import org.apache.ftpserver.ftplet.Authentication;
import org.apache.ftpserver.ftplet.AuthenticationFailedException;
import org.apache.ftpserver.ftplet.Authority;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.User;
import org.apache.ftpserver.ftplet.UserManager;
import org.apache.ftpserver.usermanager.AnonymousAuthentication;
import org.apache.ftpserver.usermanager.UsernamePasswordAuthentication;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.ConcurrentLoginPermission;
import org.apache.ftpserver.usermanager.impl.TransferRatePermission;
import org.apache.ftpserver.usermanager.impl.WritePermission;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The device accounts from {@code ftp.users} ({@link Accounts}), read-only over FTP. An unknown user and a wrong password fail the
 * same way and take the same work (a password check against a dummy secret), so a client cannot tell
 * which names exist. Thread-safe.
 */
final class ConfigUserManager implements UserManager {
    private static final String WRITE_LETTERS = "adfmwMT";

    private final Accounts accounts;
    private final Path spool;
    private final int maxLogins;
    private final boolean anonymous;

    ConfigUserManager(Accounts accounts, Path spool, int maxLogins, boolean anonymous) {
        this.accounts = accounts;
        this.spool = spool;
        this.maxLogins = maxLogins;
        this.anonymous = anonymous;
    }

    @Override
    public User authenticate(Authentication authentication) throws AuthenticationFailedException {
        if (authentication instanceof UsernamePasswordAuthentication login) {
            FtpSettings.User user = accounts.get(login.getUsername()).orElse(null);
            boolean ok = accounts.verify(login.getUsername(), login.getPassword());
            if (user != null && ok) {
                return toFtpUser(user);
            }
        } else if (authentication instanceof AnonymousAuthentication && anonymous) {
            Optional<FtpSettings.User> user = accounts.get("anonymous");
            if (user.isPresent()) {
                return toFtpUser(user.get());
            }
        }
        throw new AuthenticationFailedException("Authentication failed");
    }

    private User toFtpUser(FtpSettings.User settings) {
        BaseUser user = new BaseUser();
        user.setName(settings.name());
        user.setHomeDirectory(spool.resolve(settings.home()).toString());
        user.setEnabled(true);
        List<Authority> authorities = new ArrayList<>();
        if (settings.perm().chars().anyMatch(c -> WRITE_LETTERS.indexOf(c) >= 0)) {
            authorities.add(new WritePermission());
        }
        // one client address holds at most half of the login slots (as of the passive ports): others still get in
        authorities.add(new ConcurrentLoginPermission(maxLogins, Math.max(1, maxLogins / 2)));
        authorities.add(new TransferRatePermission(0, 0));
        user.setAuthorities(authorities);
        return user;
    }

    @Override
    public User getUserByName(String name) {
        return accounts.get(name).map(this::toFtpUser).orElse(null);
    }

    @Override
    public String[] getAllUserNames() {
        return accounts.all().stream().map(FtpSettings.User::name).toArray(String[]::new);
    }

    @Override
    public boolean doesExist(String name) {
        return accounts.get(name).isPresent();
    }

    @Override
    public void delete(String name) throws FtpException {
        throw new FtpException("users come from the configuration file and cannot be deleted over FTP");
    }

    @Override
    public void save(User user) throws FtpException {
        throw new FtpException("users come from the configuration file and cannot be changed over FTP");
    }

    @Override
    public String getAdminName() {
        return "";
    }

    @Override
    public boolean isAdmin(String name) {
        return false;
    }
}
