package io.edgesync.agent.systemd;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The service manager's notifications ({@code sd_notify(3)}): {@code READY=1}, {@code STATUS=},
 * {@code WATCHDOG=1}, {@code STOPPING=1}. Sent by systemd's own {@code sd_notify} from libsystemd, called
 * through JNA: the JDK has no datagram Unix sockets, and {@code systemd-notify} run as a child process loses
 * messages when it exits before systemd has looked up its sender (systemd before 254, Debian bookworm's 252),
 * which {@code WATCHDOG=1} every few seconds would hit. Inert when the agent does not run under a unit with
 * {@code Type=notify} (no {@code NOTIFY_SOCKET}): libsystemd is then not even loaded. Thread-safe.
 */
public final class ServiceManager {
    private static final System.Logger LOG = System.getLogger(ServiceManager.class.getName());

    /** The one function of libsystemd used here. */
    interface LibSystemd extends Library {
        int sd_notify(int unsetEnvironment, String state);
    }

    /** Sends one notification; returns sd_notify's result (negative: -errno). */
    @FunctionalInterface
    interface Sender {
        int send(String state);
    }

    private final Optional<Sender> sender;
    private final Optional<Duration> watchdog;
    private volatile boolean failedOnce;

    /** Tests give the sender; the agent's comes from {@link #fromEnvironment()}. */
    ServiceManager(Optional<Sender> sender, Optional<Duration> watchdog) {
        this.sender = sender;
        this.watchdog = watchdog;
    }

    /** The service manager this process runs under, from its environment; inert without one. */
    public static ServiceManager fromEnvironment() {
        return fromEnvironment(System.getenv(), ProcessHandle.current().pid());
    }

    static ServiceManager fromEnvironment(Map<String, String> env, long pid) {
        String socket = env.getOrDefault("NOTIFY_SOCKET", "");
        if (socket.isEmpty()) {
            return new ServiceManager(Optional.empty(), Optional.empty());
        }
        Optional<Sender> sender = load().map(lib -> state -> lib.sd_notify(0, state));
        return new ServiceManager(sender, sender.flatMap(l -> watchdogInterval(env, pid)));
    }

    private static Optional<LibSystemd> load() {
        // JNA unpacks its native part under ~/.cache by default: the unit's PrivateTmp is the place for it
        if (System.getProperty("jna.tmpdir") == null) {
            System.setProperty("jna.tmpdir", System.getProperty("java.io.tmpdir"));
        }
        for (String name : new String[] {"systemd", "libsystemd.so.0"}) {
            try {
                return Optional.of(Native.load(name, LibSystemd.class));
            } catch (UnsatisfiedLinkError e) {
                LOG.log(System.Logger.Level.DEBUG, "libsystemd as {0}: {1}", name, e.getMessage());
            }
        }
        LOG.log(System.Logger.Level.WARNING, "NOTIFY_SOCKET is set but libsystemd (package libsystemd0) cannot be"
                + " loaded: systemd will not hear that the agent is ready (install libsystemd0, or use Type=simple)");
        return Optional.empty();
    }

    /** {@code WATCHDOG_USEC}, when it is meant for this process ({@code WATCHDOG_PID} unset or ours). */
    static Optional<Duration> watchdogInterval(Map<String, String> env, long pid) {
        String usec = env.getOrDefault("WATCHDOG_USEC", "");
        String forPid = env.getOrDefault("WATCHDOG_PID", "");
        if (usec.isEmpty() || (!forPid.isEmpty() && !forPid.equals(Long.toString(pid)))) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(usec);
            return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            LOG.log(System.Logger.Level.WARNING, "WATCHDOG_USEC={0} is not a number of microseconds: no watchdog", usec);
            return Optional.empty();
        }
    }

    /** Whether notifications reach a service manager. */
    public boolean present() {
        return sender.isPresent();
    }

    /** The unit's {@code WatchdogSec=}: keep-alive pings are owed at least this often. */
    public Optional<Duration> watchdog() {
        return watchdog;
    }

    /** Start-up is done: the ledger is open and the FTP port listens. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    /** The line {@code systemctl status} shows. */
    public void status(String status) {
        send("STATUS=" + oneLine(status));
    }

    /** The keep-alive ping of the unit's watchdog. */
    public void alive() {
        send("WATCHDOG=1");
    }

    /** Shutdown has begun. */
    public void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    private static String oneLine(String text) {
        return text.replace('\n', ' ');
    }

    private void send(String state) {
        sender.ifPresent(l -> {
            int result = l.send(state);
            if (result < 0 && !failedOnce) {
                failedOnce = true; // said once: the next ones would fail the same way
                LOG.log(System.Logger.Level.WARNING, "sd_notify failed (errno {0}): systemd does not hear {1}",
                        -result, state.substring(0, state.indexOf('=')));
            }
        });
    }
}
