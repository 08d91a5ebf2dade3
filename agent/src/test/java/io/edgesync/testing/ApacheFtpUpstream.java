package io.edgesync.testing;

import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.usermanager.PropertiesUserManagerFactory;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.WritePermission;

import java.nio.file.Path;
import java.util.List;

/**
 * Stock Apache FtpServer as an upstream (user {@code u}/{@code p}): like IIS and FileZilla Server it
 * answers 553 to RNTO onto an existing name.
 */
public final class ApacheFtpUpstream implements AutoCloseable {
    private final FtpServer server;

    private ApacheFtpUpstream(FtpServer server) {
        this.server = server;
    }

    public static ApacheFtpUpstream start(Path root, int port) throws FtpException {
        FtpServerFactory factory = new FtpServerFactory();
        ListenerFactory listener = new ListenerFactory();
        listener.setServerAddress("127.0.0.1");
        listener.setPort(port);
        DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
        int passive = PeerProcess.freeRange(16);
        data.setPassivePorts(passive + "-" + (passive + 15));
        listener.setDataConnectionConfiguration(data.createDataConnectionConfiguration());
        factory.addListener("default", listener.createListener());
        var users = new PropertiesUserManagerFactory().createUserManager();
        BaseUser user = new BaseUser();
        user.setName("u");
        user.setPassword("p");
        user.setHomeDirectory(root.toString());
        user.setAuthorities(List.of(new WritePermission()));
        users.save(user);
        factory.setUserManager(users);
        FtpServer server = factory.createServer();
        server.start();
        return new ApacheFtpUpstream(server);
    }

    @Override
    public void close() {
        server.stop();
    }
}
