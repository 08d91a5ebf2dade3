package io.edgesync.agent.telemetry;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shape of each {@link AgentEvent} on {@code <prefix>/<agent>/events}. */
final class EventMessages {
    private EventMessages() {
    }

    static Map<String, Object> of(String agent, AgentEvent event) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("agent", agent);
        switch (event) {
            case AgentEvent.FileReceived r -> {
                m.put("type", "received");
                m.put("path", r.path());
                m.put("size", r.size());
                m.put("sha256", r.sha256());
                m.put("user", r.user());
                m.put("clientIp", r.clientIp());
            }
            case AgentEvent.FileDelivered d -> {
                m.put("type", "delivered");
                m.put("path", d.path());
                m.put("upstream", d.upstream());
                m.put("size", d.size());
                m.put("attempt", d.attempt());
                m.put("durationMs", d.took().toMillis());
                m.put("verified", d.verifiedBy());
                m.put("resumedFrom", d.resumedFrom());
                d.rule().ifPresent(r -> m.put("rule", rule(r)));
                m.put("fileTime", d.fileTime());
                if (!d.mode().isEmpty()) {
                    m.put("mode", d.mode());
                }
                d.upstreamPath().ifPresent(p -> m.put("upstreamPath", p));
            }
            case AgentEvent.Failover f -> {
                m.put("type", f.failedOver() ? "failover" : "failback");
                m.put("rule", f.rule());
                m.put("upstream", f.upstream());
                m.put("why", f.why());
            }
            case AgentEvent.DeliveryFailed f -> {
                m.put("type", "failed");
                m.put("path", f.path());
                m.put("upstream", f.upstream());
                m.put("reason", f.reason());
                m.put("error", f.error());
                m.put("attempt", f.attempt());
                m.put("nextAttemptAt", f.nextAttemptAt().toString());
            }
            case AgentEvent.UploadRefused r -> {
                m.put("type", "refused");
                m.put("path", r.path());
                m.put("user", r.user());
                m.put("clientIp", r.clientIp());
                m.put("code", r.code());
                m.put("reason", r.reason());
            }
            case AgentEvent.SpoolDeleted d -> {
                m.put("type", "spool-deleted");
                m.put("path", d.path());
                m.put("size", d.size());
                m.put("policy", d.policy());
            }
            case AgentEvent.DeliveryParked p -> {
                m.put("type", "parked");
                m.put("path", p.path());
                m.put("upstream", p.upstream());
                m.put("reason", p.reason());
                m.put("error", p.error());
                m.put("attempt", p.attempt());
            }
            case AgentEvent.DeliveryQueued q -> {
                m.put("type", q.cause().equals("retry") ? "retried" : "queued");
                m.put("path", q.path());
                m.put("upstream", q.upstream());
                m.put("cause", q.cause());
            }
            case AgentEvent.DeliveryCancelled c -> {
                m.put("type", "cancelled");
                m.put("path", c.path());
                m.put("upstream", c.upstream());
                m.put("delivery", c.deliveryId());
            }
            case AgentEvent.Progress p -> {
                m.put("type", "progress");
                m.put("path", p.path());
                m.put("upstream", p.upstream());
                m.put("bytesDone", p.bytesDone());
                m.put("bytesTotal", p.bytesTotal());
                m.put("bytesPerSecond", p.bytesPerSecond());
            }
            case AgentEvent.DeviceSilent s -> {
                m.put("type", "silent");
                m.put("user", s.user());
                m.put("home", s.path());
                m.put("lastUploadAt", s.lastUploadAt() == null ? null : s.lastUploadAt().toString());
                m.put("expectEverySeconds", s.expectEvery().toSeconds());
            }
            case AgentEvent.StorageFailed f -> {
                m.put("type", "storage-failed");
                m.put("path", f.path());
                m.put("reason", f.reason());
            }
            case AgentEvent.StorageRecovered r -> {
                m.put("type", "storage-recovered");
                m.put("path", r.path());
                m.put("failedSeconds", r.failedFor().toSeconds());
            }
            case AgentEvent.BudgetAlarm b -> {
                m.put("type", "budget-" + b.level());
                m.put("upstream", b.upstream());
                m.put("period", b.period());
                m.put("usedBytes", b.usedBytes());
                m.put("limitBytes", b.limitBytes());
                m.put("resetsAt", b.resetsAt().toString());
            }
            case AgentEvent.DeliveryWithdrawn w -> {
                m.put("type", "withdrawn");
                m.put("path", w.path());
                m.put("upstream", w.upstream());
                m.put("cause", w.cause());
            }
        }
        m.put("at", event.at().toString());
        return m;
    }

    /** A file's standing under its delivery rule, as the receipt shows it. */
    static Map<String, Object> rule(AgentEvent.RuleState r) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("name", r.rule());
        m.put("rule", r.label());
        m.put("needed", r.needed());
        m.put("deliveredTo", r.deliveredTo());
        m.put("met", r.met());
        return m;
    }
}
