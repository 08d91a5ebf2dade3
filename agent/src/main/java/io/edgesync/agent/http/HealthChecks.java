package io.edgesync.agent.http;

import io.edgesync.agent.control.SilenceWatch;
import io.edgesync.agent.ingest.IngestServer;
import io.edgesync.agent.ledger.Backlog;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.ledger.LedgerException;
import io.edgesync.agent.spool.DiskSpace;
import io.edgesync.agent.spool.StorageHealth;
import io.edgesync.agent.sync.SyncService;
import io.edgesync.agent.sync.UpstreamStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One {@link PartCheck} per part. Liveness: the FTP server and the ledger (restart if they are gone).
 * Readiness has those two as well, and adds the storage (down while the data folder's disk refuses writes,
 * with the reason), the disk floor, each upstream (down while it cannot be reached) and MQTT when configured;
 * silent devices ({@code expect-every}) are listed as a warning that keeps the check up.
 */
public final class HealthChecks {
    private HealthChecks() {
    }

    public static List<PartCheck> all(IngestServer ingest, Ledger ledger, SyncService sync, DiskSpace disk,
                                      StorageHealth storage, boolean mqttEnabled, BooleanSupplier mqttConnected,
                                      Supplier<List<SilenceWatch.Silent>> silent) {
        List<PartCheck> checks = new ArrayList<>();
        Supplier<PartCheck.Result> ftp = () -> new PartCheck.Result(ingest.running(), Map.of("port", ingest.port()));
        Supplier<PartCheck.Result> ledgerUp = () -> {
            try {
                ledger.ping();
                return new PartCheck.Result(true, Map.of());
            } catch (LedgerException e) {
                return new PartCheck.Result(false, Map.of("error", e.getMessage()));
            }
        };
        checks.add(PartCheck.liveness("ftp", ftp));
        checks.add(PartCheck.liveness("ledger", ledgerUp));
        checks.add(PartCheck.readiness("ftp", ftp));
        checks.add(PartCheck.readiness("ledger", ledgerUp));
        checks.add(PartCheck.readiness("storage", () -> storage.problem()
                .map(why -> new PartCheck.Result(false, Map.of("failed", true, "reason", why)))
                .orElseGet(() -> new PartCheck.Result(true, Map.of("failed", false)))));
        checks.add(PartCheck.readiness("disk", () -> disk(disk)));
        for (String name : sync.upstreamNames()) {
            checks.add(PartCheck.readiness("upstream:" + name, () -> upstream(sync, name)));
        }
        checks.add(PartCheck.readiness("mqtt", () -> mqttEnabled
                ? new PartCheck.Result(mqttConnected.getAsBoolean(), Map.of("connected", mqttConnected.getAsBoolean()))
                : new PartCheck.Result(true, Map.of("enabled", false))));
        // a warning, not a failure: a dead camera is news for the operator, the board itself is fine
        checks.add(PartCheck.readiness("devices", () -> {
            List<String> names = silent.get().stream().map(SilenceWatch.Silent::user).toList();
            return new PartCheck.Result(true, names.isEmpty() ? Map.of("silent", List.of())
                    : Map.of("silent", names, "warning", names.size() + " device(s) silent past their expect-every"));
        }));
        return checks;
    }

    /** Down below the floor: new uploads are refused with 452 until space returns. */
    private static PartCheck.Result disk(DiskSpace disk) {
        try {
            DiskSpace.Reading r = disk.read();
            return new PartCheck.Result(!r.belowFloor(), Map.of("path", r.path().toString(), "freeBytes", r.freeBytes(),
                    "totalBytes", r.totalBytes(), "floorBytes", r.floorBytes(), "belowFloor", r.belowFloor()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PartCheck.Result upstream(SyncService sync, String name) {
        UpstreamStatus status = sync.status().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", status.state());
        details.put("url", status.url());
        try {
            Backlog backlog = sync.backlog(name);
            details.put("backlog", backlog.pending());
            details.put("parked", backlog.parked());
        } catch (LedgerException e) {
            details.put("backlog", "unknown: " + e.getMessage());
        }
        status.lastError().ifPresent(e -> details.put("lastError", e));
        return new PartCheck.Result(!status.state().equals("down"), details);
    }
}
