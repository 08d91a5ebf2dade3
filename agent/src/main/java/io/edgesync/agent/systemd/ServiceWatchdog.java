package io.edgesync.agent.systemd;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells systemd the agent is ready, keeps its status line current, and pings its watchdog ({@code WatchdogSec=})
 * only while every part answers: each round asks each {@link Part} in turn, and pings only when none reports a
 * problem. A part that hangs holds the round, so no ping goes out and systemd kills and restarts the agent
 * after {@code WatchdogSec}; a frozen JVM (SIGSTOP, a stalled disk under the whole process) the same way. Rounds
 * come three times per {@code WatchdogSec} (every 10 s without a watchdog, for the status line), on the
 * monotonic clock. Nothing runs when the agent is not under a service manager.
 */
public final class ServiceWatchdog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServiceWatchdog.class.getName());
    private static final Duration WITHOUT_WATCHDOG = Duration.ofSeconds(10);

    /** What a part says when asked: nothing when it is alive, else the problem. May block: that is an answer too. */
    @FunctionalInterface
    public interface Liveness {
        Optional<String> problem() throws Exception;
    }

    /** One part that must be alive for the watchdog to be pinged. */
    public record Part(String name, Liveness check) {
    }

    private final ServiceManager manager;
    private final List<Part> parts;
    private final Callable<String> status;
    private final Duration round;
    private volatile boolean stopped;
    private Thread thread;
    private String lastProblem = ""; // the watchdog thread's

    /**
     * @param status the line {@code systemctl status} shows while all is well (backlog, upstreams up)
     */
    public ServiceWatchdog(ServiceManager manager, List<Part> parts, Callable<String> status) {
        this.manager = manager;
        this.parts = List.copyOf(parts);
        this.status = status;
        this.round = manager.watchdog().map(w -> w.dividedBy(3)).filter(r -> r.toMillis() >= 100)
                .orElse(manager.watchdog().isPresent() ? Duration.ofMillis(100) : WITHOUT_WATCHDOG);
    }

    /** {@code READY=1} (start-up is done), then the rounds begin. */
    public synchronized void start() {
        if (!manager.present() || thread != null) {
            return;
        }
        manager.ready(statusLine());
        manager.watchdog().ifPresent(w -> LOG.log(System.Logger.Level.INFO,
                "systemd watchdog: pinged every {0} ms while the FTP port answers, the ledger commits and no sync"
                        + " worker is stuck", Long.toString(round.toMillis())));
        thread = Thread.ofPlatform().daemon().name("service-watchdog").start(this::run);
    }

    private void run() {
        while (!stopped) {
            long next = System.nanoTime() + round.toNanos();
            Optional<String> problem = firstProblem();
            if (stopped) {
                return; // STOPPING=1 was sent: no status after it
            }
            if (problem.isEmpty()) {
                manager.watchdog().ifPresent(w -> manager.alive());
                manager.status(statusLine());
                if (!lastProblem.isEmpty()) {
                    LOG.log(System.Logger.Level.INFO, "watchdog: every part answers again; pinging systemd");
                }
                lastProblem = "";
            } else {
                if (!problem.get().equals(lastProblem)) {
                    LOG.log(System.Logger.Level.WARNING, "watchdog: not pinging systemd: {0} (systemd restarts the"
                            + " agent if this lasts its WatchdogSec)", problem.get());
                }
                lastProblem = problem.get();
                manager.status("not alive: " + problem.get());
            }
            for (long left; !stopped && (left = next - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(this, left);
            }
        }
    }

    private Optional<String> firstProblem() {
        for (Part part : parts) {
            try {
                Optional<String> problem = part.check().problem();
                if (problem.isPresent()) {
                    return Optional.of(part.name() + ": " + problem.get());
                }
            } catch (Exception e) {
                return Optional.of(part.name() + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    private String statusLine() {
        try {
            return status.call();
        } catch (Exception e) {
            return "running; status unavailable: " + e.getMessage();
        }
    }

    /** {@code STOPPING=1}; no ping after it. */
    @Override
    public void close() {
        stopped = true;
        Thread running;
        synchronized (this) {
            running = thread;
        }
        if (running != null) {
            LockSupport.unpark(running);
        }
        manager.stopping();
    }
}
