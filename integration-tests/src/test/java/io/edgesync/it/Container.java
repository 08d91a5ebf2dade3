package io.edgesync.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A Debian root booted with its own systemd as PID 1 ({@code systemd-nspawn --boot}), sharing the host's
 * network (so the agent in it reaches upstreams on the host's loopback, and the tests reach its ports).
 * This machine has no systemd of its own: no machined to register with ({@code --register=no}) and no
 * transient scope ({@code --keep-unit}). Commands run in the container's namespaces with {@code nsenter}.
 */
final class Container implements AutoCloseable {
    private final Process nspawn;
    private final long init;
    private final Path root;

    private Container(Process nspawn, long init, Path root) {
        this.nspawn = nspawn;
        this.init = init;
        this.root = root;
    }

    /** Boots {@code root} and waits until its systemd has finished starting (running or degraded). */
    static Container boot(Path root, String name) throws IOException, InterruptedException {
        Process nspawn = new ProcessBuilder("systemd-nspawn", "--quiet", "--boot", "--directory=" + root,
                "--machine=" + name, "--register=no", "--keep-unit", "--console=passive")
                .redirectErrorStream(true).redirectOutput(root.resolveSibling(name + "-nspawn.log").toFile()).start();
        long init = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!nspawn.isAlive()) {
                throw new IllegalStateException("systemd-nspawn exited " + nspawn.exitValue() + "; see "
                        + root.resolveSibling(name + "-nspawn.log"));
            }
            // nspawn's own child becomes the container's systemd once it has set up the namespaces
            return nspawn.toHandle().children().filter(Container::isSystemd).findFirst().map(ProcessHandle::pid);
        }, Optional::isPresent).orElseThrow();
        Container box = new Container(nspawn, init, root);
        // the manager's socket appears a moment after it starts; then --wait waits for the boot to end
        DebianRoot.Result state = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> box.exec(120, "systemctl", "is-system-running", "--wait"),
                        r -> !r.out().contains("Failed to connect"));
        if (!state.out().equals("running") && !state.out().equals("degraded")) {
            box.close();
            throw new IllegalStateException("the container's systemd did not come up: " + state);
        }
        return box;
    }

    private static boolean isSystemd(ProcessHandle process) {
        try {
            return java.nio.file.Files.readString(Path.of("/proc", Long.toString(process.pid()), "comm")).strip()
                    .equals("systemd");
        } catch (IOException e) {
            return false;
        }
    }

    Path root() {
        return root;
    }

    /** Runs {@code command} in the container, at most {@code seconds}. */
    DebianRoot.Result exec(long seconds, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("nsenter", "--target", Long.toString(init), "--mount", "--uts",
                "--ipc", "--net", "--pid", "--", "/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8"));
        full.addAll(List.of(command));
        return DebianRoot.run(seconds, full);
    }

    DebianRoot.Result exec(String... command) throws IOException, InterruptedException {
        return exec(120, command);
    }

    /** One property of a unit ({@code systemctl show -p NAME --value}). */
    String property(String unit, String name) throws IOException, InterruptedException {
        return exec("systemctl", "show", "-p", name, "--value", unit).orFail("systemctl show " + name).out();
    }

    /** The unit's journal, messages only, with {@code journalctl} options such as {@code -p warning}. */
    String journal(String unit, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("journalctl", "--no-pager", "-o", "cat", "-u", unit));
        command.addAll(List.of(options));
        return exec(command.toArray(String[]::new)).orFail("journalctl").out();
    }

    /** Powers the container off (its systemd stops the units), or kills it after 60 s. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (nspawn.isAlive()) {
            try {
                exec(30, "systemctl", "poweroff", "--no-block");
            } catch (IllegalStateException e) {
                // no answer: killed below
            }
            if (!nspawn.waitFor(60, TimeUnit.SECONDS)) {
                nspawn.descendants().forEach(ProcessHandle::destroyForcibly);
                nspawn.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
