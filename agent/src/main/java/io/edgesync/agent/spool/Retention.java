package io.edgesync.agent.spool;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.telemetry.AgentEvent;
import io.edgesync.agent.telemetry.EventSink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * G8: what happens to a spool file once every upstream has it ({@code retention.policy}): {@code delete}
 * at once, {@code keep-days} after {@code retention.keep}, {@code until-floor} only when the disk floor
 * needs room, oldest delivered first. The ledger decides what is deletable, so a file still owed to any
 * upstream (waiting, in flight or parked) is never deleted. Runs on its own thread: after each delivery
 * and every {@link #SWEEP_EVERY}. Thread-safe.
 */
public final class Retention implements EventSink, AutoCloseable {
    static final Duration SWEEP_EVERY = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger(Retention.class.getName());
    private static final int BATCH = 500;
    /** "Received before" that takes every file. */
    private static final Instant ANY_TIME = Instant.ofEpochMilli(Long.MAX_VALUE);

    private final AgentConfig.Retention settings;
    private final DiskSpace disk;
    private final SpoolLock lock;
    private final Ledger ledger;
    private final Path spool;
    private final EventSink events;
    private final Clock clock;
    private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("retention").factory());
    private final AtomicBoolean sweepQueued = new AtomicBoolean();
    private final LongAdder sweeps = new LongAdder();

    public Retention(AgentConfig.Retention settings, DiskSpace disk, SpoolLock lock, Ledger ledger, Path spool,
                     EventSink events, Clock clock) {
        this.settings = settings;
        this.disk = disk;
        this.lock = lock;
        this.ledger = ledger;
        this.spool = spool;
        this.events = events;
        this.clock = clock;
    }

    public void start() {
        runner.scheduleWithFixedDelay(this::sweepSafely, 0, SWEEP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A delivery may have made a file deletable: sweep soon (coalesced) if the policy would delete it now. */
    @Override
    public void publish(AgentEvent event) {
        if (event instanceof AgentEvent.FileDelivered && sweepsOnDelivery() && sweepQueued.compareAndSet(false, true)) {
            runner.execute(() -> {
                sweepQueued.set(false);
                sweepSafely();
            });
        }
    }

    /**
     * {@code delete} deletes every delivered file at once; {@code until-floor} only while the disk is under
     * its floor, so with room to spare a delivery needs no sweep (each file of a drained backlog woke this
     * thread for one: 5% of the agent's CPU while 2,000 small files went upstream); {@code keep-days} waits
     * for the periodic sweep.
     */
    private boolean sweepsOnDelivery() {
        return switch (settings.policy()) {
            case "delete" -> true;
            case "until-floor" -> {
                try {
                    yield disk.read().shortfall() > 0;
                } catch (IOException e) {
                    yield true; // the sweep reports it
                }
            }
            default -> false;
        };
    }

    /** Sweeps run so far, periodic or after deliveries. */
    long sweeps() {
        return sweeps.sum();
    }

    private void sweepSafely() {
        sweeps.increment();
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "retention sweep failed; next one in " + SWEEP_EVERY.toSeconds() + " s", e);
        }
    }

    /** One pass of the policy. @return files deleted */
    int sweep() throws IOException {
        return switch (settings.policy()) {
            case "delete" -> deleteAll(ANY_TIME, Long.MAX_VALUE, settings.policy());
            case "keep-days" -> deleteAll(clock.instant().minus(settings.keepFor()), Long.MAX_VALUE, settings.policy());
            case "until-floor" -> {
                long shortfall = disk.read().shortfall();
                yield shortfall > 0 ? deleteAll(ANY_TIME, shortfall, settings.policy()) : 0;
            }
            default -> throw new IllegalStateException("unknown retention policy " + settings.policy());
        };
    }

    /**
     * An upload did not fit (the disk filled up under it, or the floor refused it): with {@code until-floor},
     * delivered copies are deleted, oldest first, until {@code bytes} more than the floor are free, so that
     * the device's next try fits; a file larger than the room above the floor would otherwise be refused for
     * as long as the disk stays just above its floor. Runs on the retention thread; returns at once. Other
     * policies keep what they promise to keep.
     */
    public void makeRoom(long bytes) {
        if (!settings.policy().equals("until-floor")) {
            return;
        }
        runner.execute(() -> {
            try {
                DiskSpace.Reading r = disk.read();
                long needed = r.floorBytes() + bytes - r.freeBytes();
                if (needed > 0) {
                    deleteAll(ANY_TIME, needed, settings.policy());
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "retention: cannot make room for an upload", e);
            }
        });
    }

    /**
     * The {@code purge-delivered} command: deletes the spool copy of every file all its upstreams have now,
     * whatever the policy; runs on the retention thread, after any sweep in progress.
     *
     * @return files deleted
     */
    public int purgeDelivered() throws IOException, InterruptedException {
        try {
            return runner.submit(() -> deleteAll(ANY_TIME, Long.MAX_VALUE, "purge")).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** Deletes deletable files received before {@code before}, oldest first, until {@code bytes} are freed. */
    private int deleteAll(Instant before, long bytes, String why) throws IOException {
        int deleted = 0;
        long freed = 0;
        while (freed < bytes) {
            List<Ledger.SpoolFile> batch = ledger.deletions().deletable(before, BATCH);
            if (batch.isEmpty()) {
                break;
            }
            for (Ledger.SpoolFile file : batch) {
                if (freed >= bytes) {
                    break;
                }
                if (delete(file, why)) {
                    freed += file.size();
                    deleted++;
                }
            }
        }
        if (deleted > 0) {
            LOG.log(System.Logger.Level.INFO, "retention ({0}): deleted {1} delivered file(s), {2} bytes",
                    why, deleted, freed);
        }
        return deleted;
    }

    /** Deletes one file if it is still deletable now that no upload can publish over it. */
    private boolean delete(Ledger.SpoolFile file, String why) throws IOException {
        boolean deleted = lock.locked(() -> {
            if (!ledger.deletions().stillDeletable(file.id())) {
                return false;
            }
            Files.deleteIfExists(spool.resolve(file.path()));
            ledger.deletions().spoolDeleted(file.id(), clock.instant());
            return true;
        }, file.path());
        if (deleted) {
            events.publish(new AgentEvent.SpoolDeleted(file.path(), file.size(), why, clock.instant()));
        }
        return deleted;
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
