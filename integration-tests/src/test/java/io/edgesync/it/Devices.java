package io.edgesync.it;

import io.edgesync.testing.Peers;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Devices as the agent meets them: curl, and a Commons Net client. */
final class Devices {
    private Devices() {
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Uploads with Commons Net into {@code dir} (created with MKD); returns the final reply code. */
    static int upload(int port, String user, String password, String dir, String name, byte[] body) throws IOException {
        FTPClient client = new FTPClient();
        client.setConnectTimeout(5_000);
        client.setDefaultTimeout(10_000);
        client.setDataTimeout(Duration.ofSeconds(10));
        try {
            client.connect("127.0.0.1", port);
            if (!client.login(user, password)) {
                return client.getReplyCode();
            }
            client.setFileType(FTP.BINARY_FILE_TYPE);
            client.enterLocalPassiveMode();
            if (!dir.isEmpty()) {
                client.makeDirectory(dir);
            }
            int code;
            try {
                client.storeFile(dir.isEmpty() ? name : dir + "/" + name, new ByteArrayInputStream(body));
                code = client.getReplyCode();
            } catch (org.apache.commons.net.io.CopyStreamException e) {
                code = client.getReply(); // the server closed the data connection: read why (e.g. 452)
            }
            client.logout();
            return code;
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
        }
    }

    /** {@code curl -T file ftp://user:pw@127.0.0.1:port/remote}; returns curl's exit code. */
    static int curl(Path file, int port, String user, String password, String remote) throws Exception {
        Path curl = Peers.require("curl", "curl");
        Process p = new ProcessBuilder(curl.toString(), "-sS", "--ftp-create-dirs", "--max-time", "30", "-T",
                file.toString(), "ftp://" + user + ":" + password + "@127.0.0.1:" + port + "/" + remote)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(40, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("curl hung");
        }
        return p.exitValue();
    }

    static Path write(Path file, byte[] body) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, body);
    }
}
