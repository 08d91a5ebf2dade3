package io.edgesync.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real peer started as a child process on a free loopback port, stopped by its PID. Output goes to a
 * log file beside its data, so a failing test can show what the peer said.
 */
public class PeerProcess implements AutoCloseable {
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final String name;
    private final List<String> command;
    private final Path log;
    private final int port;
    private Process process;

    public PeerProcess(String name, List<String> command, Path log, int port) {
        this.name = name;
        this.command = List.copyOf(command);
        this.log = log;
        this.port = port;
    }

    /**
     * A loopback port that was free a moment ago and that this JVM has not handed out before: the kernel
     * may offer a just-closed port again, and two agents of one test then got the same port for FTP and
     * HTTP (FleetCommandsIT once read an FTP greeting from its agent's HTTP port).
     */
    public static int freePort() {
        for (int tries = 0; tries < 100; tries++) {
            try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new IllegalStateException("no free port", e);
            }
        }
        throw new IllegalStateException("no free port not handed out before");
    }

    /** The first of {@code count} consecutive ports that were all free a moment ago (for passive ranges). */
    public static int freeRange(int count) {
        java.util.Random random = new java.util.Random();
        for (int tries = 0; tries < 100; tries++) {
            int base = 20000 + random.nextInt(40000);
            boolean free = true;
            for (int p = base; p < base + count && free; p++) {
                try (ServerSocket socket = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                    socket.setReuseAddress(true);
                    free = !HANDED_OUT.contains(p);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                for (int p = base; p < base + count; p++) {
                    HANDED_OUT.add(p);
                }
                return base;
            }
        }
        throw new IllegalStateException("no range of " + count + " free ports");
    }

    /** Starts the process and waits (at most 20 s) until its port accepts connections. */
    public PeerProcess start() throws IOException {
        Files.createDirectories(log.getParent());
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        await(name + " listening on " + port).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + output());
                    }
                    return accepts(port);
                });
        return this;
    }

    public static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * Stops the process and its children (vsftpd serves each session from a child of its own, which would
     * go on serving open connections): SIGTERM, then SIGKILL after 5 s.
     */
    public void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL: the peer vanishes as in a crash or a power cut, without closing anything. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
