package io.edgesync.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A tmpfs the test mounts (needs root) of a known size: a small disk to fill, or a large one in RAM. */
public final class Tmpfs implements AutoCloseable {
    private final Path at;

    private Tmpfs(Path at) {
        this.at = at;
    }

    /** Mounts a tmpfs of {@code size} (mount's syntax, e.g. {@code 48m}) on the existing folder {@code at}. */
    public static Tmpfs mount(Path at, String size) throws IOException, InterruptedException {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString())
                .redirectErrorStream(true).start();
        boolean ok = mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0;
        if (!ok) {
            mount.destroyForcibly();
            Peers.missingSetup("a tmpfs mount (needs root): "
                    + new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
        return new Tmpfs(at);
    }

    public Path path() {
        return at;
    }

    /** Lazy unmount: files a child process still holds open do not keep the mount (or the test) alive. */
    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("umount", "-l", at.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
}
