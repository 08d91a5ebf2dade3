package io.edgesync.agent.ingest;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.ledger.ReceivedFile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Stands in for the ledger in ingest tests: keeps what ingest hands over, and can be told to fail. */
final class RecordingSink implements UploadSink {
    final List<ReceivedFile> recorded = new CopyOnWriteArrayList<>();
    final List<String> withdrawn = new CopyOnWriteArrayList<>();
    volatile IOException failure;

    @Override
    public void accept(ReceivedFile file) throws IOException {
        if (failure != null) {
            throw failure;
        }
        recorded.add(file);
    }

    @Override
    public void withdraw(String path) {
        withdrawn.add(path);
    }

    @Override
    public boolean pendingUnder(String folder) {
        return recorded.stream().anyMatch(f -> f.path().startsWith(folder + "/"));
    }

    /** A started server on {@code data}/spool with no disk floor, feeding this sink. */
    IngestServer start(Path data, FtpSettings settings) throws IOException {
        IngestServer server = new IngestServer(settings, data.resolve("spool"), data.resolve("incoming"), this,
                new DiskSpace(data, new AgentConfig.Disk(0, 0)), new SpoolLock(), e -> { }, new SimpleMeterRegistry(),
                null, Clock.systemUTC());
        server.start();
        return server;
    }
}
