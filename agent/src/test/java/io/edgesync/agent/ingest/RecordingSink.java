package io.edgesync.agent.ingest;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.ledger.ReceivedFile;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.SpoolLock;
import io.edgesync.agent.spool.StorageHealth;
import io.edgesync.agent.spool.UploadSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stands in for the ledger in ingest tests: keeps what ingest hands over (in the order it was published), and
 * can be told to fail its records.
 */
final class RecordingSink implements UploadSink {
    final List<ReceivedFile> recorded = new CopyOnWriteArrayList<>();
    final List<String> withdrawn = new CopyOnWriteArrayList<>();
    /** Paths every upstream has: what the sink still owes leaves them out. */
    final java.util.Set<String> delivered = ConcurrentHashMap.newKeySet();
    /** Records not yet published or discarded. */
    final Map<Long, ReceivedFile> unpublished = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    volatile IOException failure;

    @Override
    public long record(ReceivedFile file) throws IOException {
        if (failure != null) {
            throw failure;
        }
        long id = ids.incrementAndGet();
        unpublished.put(id, file);
        return id;
    }

    @Override
    public void published(long id, ReceivedFile file) {
        unpublished.remove(id);
        delivered.remove(file.path());
        recorded.add(file);
    }

    @Override
    public void discard(long id) {
        unpublished.remove(id);
    }

    @Override
    public void withdraw(String path) {
        withdrawn.add(path);
    }

    @Override
    public Owed owed(String path) {
        Map<String, ReceivedFile> current = new LinkedHashMap<>();
        recorded.forEach(f -> current.put(f.path(), f));
        long files = 0;
        long bytes = 0;
        for (ReceivedFile f : current.values()) {
            boolean at = f.path().equals(path) || f.path().startsWith(path + "/");
            if (at && !delivered.contains(f.path()) && withdrawn.lastIndexOf(f.path()) < 0) {
                files++;
                bytes += f.size();
            }
        }
        return new Owed(files, bytes);
    }

    /** A started server on {@code data}/spool with no disk floor, feeding this sink. */
    IngestServer start(Path data, FtpSettings settings) throws IOException {
        return start(data, settings, Clock.systemUTC());
    }

    /** As {@link #start(Path, FtpSettings)}, on {@code clock}. */
    IngestServer start(Path data, FtpSettings settings, Clock clock) throws IOException {
        IngestServer server = new IngestServer(settings, data.resolve("spool"), data.resolve("incoming"), this,
                new DiskSpace(data, new AgentConfig.Disk(0, 0)), new SpoolLock(), e -> { }, new SimpleMeterRegistry(),
                null, new StorageHealth(data, e -> { }, clock), bytes -> { }, clock);
        server.start();
        return server;
    }
}
