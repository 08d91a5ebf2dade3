package io.edgesync.agent.spool;

import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;
import io.edgesync.agent.telemetry.Metrics;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whether the data folder's disk takes writes. An SD card that dies turns read-only or answers with I/O
 * errors; uploads then fail one by one with a log line each, which nobody watching the fleet would see. Here
 * a failed local write ({@link #failed}) is checked at once by a probe (create, write, fsync and delete a
 * small file in the data folder, fsync the folder); while the probe fails the storage is failed: uploads get
 * 451 with the reason before any byte moves, {@code /health/ready} is down with it, {@code
 * edgesync_storage_failed} is 1 and a {@code storage-failed} event goes out. The probe runs every
 * {@link #WHILE_FAILED} while failed and every {@link #WHILE_OK} otherwise, so a disk that fails while idle is
 * noticed too, and recovery needs no restart. A full disk is not a failure (the disk floor handles it).
 *
 * <p>Lifecycle: {@link #start()}, {@link #close()}. Thread-safe; the probe runs on its own thread, waits on the
 * monotonic clock.
 */
public final class StorageHealth implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StorageHealth.class.getName());
    static final Duration WHILE_FAILED = Duration.ofSeconds(2);
    static final Duration WHILE_OK = Duration.ofSeconds(30);

    private final List<Path> folders;
    private Path failedFolder;      // guarded by lock: the folder of the problem
    private final EventSink events;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private String problem;         // guarded by lock; null while writes work
    private long failedSinceNanos;  // guarded by lock
    private boolean probeNow;       // guarded by lock
    private boolean closed;         // guarded by lock
    private Thread prober;

    public StorageHealth(Path dataDir, EventSink events, Clock clock) {
        this(List.of(dataDir), events, clock);
    }

    /** @param folders the data folder, and {@code agent.spool-dir} when the spool is on a disk of its own */
    public StorageHealth(List<Path> folders, EventSink events, Clock clock) {
        this.folders = List.copyOf(folders);
        this.events = events;
        this.clock = clock;
    }

    public void start() {
        prober = Thread.ofPlatform().daemon().name("storage-probe").start(this::run);
    }

    /** {@code edgesync_storage_failed}: 1 while the data folder's disk refuses writes. */
    public void registerGauges(Metrics metrics) {
        metrics.gauge("edgesync.storage.failed", "1 while the data folder's disk refuses writes (read-only, I/O"
                + " errors), else 0", this, s -> s.problem().isPresent() ? 1 : 0);
    }

    /** Why the storage is failed, if it is. */
    public Optional<String> problem() {
        lock.lock();
        try {
            return Optional.ofNullable(problem);
        } finally {
            lock.unlock();
        }
    }

    /** A local write failed: the probe looks at once (it decides; a full disk, say, is not a failure). */
    public void failed(IOException cause) {
        LOG.log(System.Logger.Level.DEBUG, "a local write failed ({0}); probing the data folder", cause.toString());
        lock.lock();
        try {
            probeNow = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** One probe now, on the caller's thread; updates the state and announces a change. */
    public void probe() {
        Optional<String> failure = Optional.empty();
        Path dataDir = folders.getFirst();
        for (int i = 0; i < folders.size() && failure.isEmpty(); i++) {
            dataDir = folders.get(i);
            // the reason alone goes to devices; with two disks, which one (not its path)
            String disk = i == 0 ? "the data folder's disk" : "the spool's disk";
            failure = write(dataDir).map(why -> folders.size() == 1 ? why : disk + ": " + why);
        }
        String announceFailed = null;
        Duration recovered = null;
        Path recoveredFolder = dataDir;
        lock.lock();
        try {
            if (failure.isPresent() && problem == null) {
                failedFolder = dataDir;
                problem = failure.get();
                failedSinceNanos = System.nanoTime();
                announceFailed = problem;
            } else if (failure.isEmpty() && problem != null) {
                recoveredFolder = failedFolder == null ? dataDir : failedFolder;
                problem = null;
                recovered = Duration.ofNanos(System.nanoTime() - failedSinceNanos);
            } else if (failure.isPresent()) {
                problem = failure.get();
            }
        } finally {
            lock.unlock();
        }
        if (announceFailed != null) {
            LOG.log(System.Logger.Level.ERROR, "storage failed: the data folder {0} does not take writes ({1});"
                    + " uploads are refused until it does", dataDir, announceFailed);
            events.publish(new AgentEvent.StorageFailed(dataDir.toString(), announceFailed, clock.instant()));
        }
        if (recovered != null) {
            LOG.log(System.Logger.Level.WARNING, "storage recovered: the data folder {0} takes writes again after"
                    + " {1} s", recoveredFolder, recovered.toSeconds());
            events.publish(new AgentEvent.StorageRecovered(recoveredFolder.toString(), recovered, clock.instant()));
        }
    }

    /** Writes, fsyncs and deletes a probe file; the failure's description, if it failed. */
    private static Optional<String> write(Path dataDir) {
        Path probe = dataDir.resolve(".storage-probe");
        try {
            try (FileChannel file = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                file.write(java.nio.ByteBuffer.wrap(new byte[] {'o', 'k'}));
                file.force(true);
            }
            Files.delete(probe);
            SpoolWriter.fsyncDirectory(dataDir);
            return Optional.empty();
        } catch (IOException e) {
            String text = e.getMessage() == null ? e.toString() : e.getMessage();
            if (text.contains("No space left") || text.contains("Disk quota exceeded")) {
                return Optional.empty(); // full, not failing: the disk floor refuses uploads meanwhile
            }
            // the reason alone (e.g. "Read-only file system"): it goes to devices, which need not see paths
            return Optional.of(e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null
                    ? fs.getReason() : text);
        }
    }

    private void run() {
        try {
            while (true) {
                lock.lock();
                try {
                    long waitNanos = (problem != null ? WHILE_FAILED : WHILE_OK).toNanos();
                    while (!closed && !probeNow && waitNanos > 0) {
                        waitNanos = wake.awaitNanos(waitNanos);
                    }
                    if (closed) {
                        return;
                    }
                    probeNow = false;
                } finally {
                    lock.unlock();
                }
                probe();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        if (prober != null) {
            try {
                prober.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
