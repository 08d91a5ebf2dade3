package io.edgesync.agent.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The agent's one meter registry (Micrometer, scraped as Prometheus text) and the {@code edgesync_*}
 * meters fed from {@link AgentEvent}s. Thread-safe. Gauges that read other parts are registered by those
 * parts' owners through {@link #gauge}.
 */
public final class Metrics implements EventSink, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** Registers a gauge read on each scrape; {@code tags} are key/value pairs. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
        Gauge.builder(name, source, value).description(description).tags(tags).register(registry);
    }

    /** Registers a counter read from {@code source} on each scrape (a count kept elsewhere). */
    public <T> void counter(String name, String description, T source, ToDoubleFunction<T> count) {
        FunctionCounter.builder(name, source, count).description(description).register(registry);
    }

    @Override
    public void publish(AgentEvent event) {
        switch (event) {
            case AgentEvent.FileReceived r -> {
                counter("edgesync.files.received", "Complete uploads made durable", "user", r.user()).increment();
                counter("edgesync.bytes.received", "Bytes of complete uploads", "user", r.user()).increment(r.size());
            }
            case AgentEvent.FileDelivered d -> {
                counter("edgesync.files.synced", "Files delivered upstream", "upstream", d.upstream()).increment();
                counter("edgesync.bytes.synced", "Bytes delivered upstream", "upstream", d.upstream()).increment(d.size());
                Timer.builder("edgesync.transfer.duration").description("Time of successful upstream transfers")
                        .tags("upstream", d.upstream()).publishPercentileHistogram(false)
                        .register(registry).record(d.took());
            }
            case AgentEvent.DeliveryFailed f -> failure(f.upstream(), f.reason());
            case AgentEvent.UploadRefused r -> counter("edgesync.uploads.refused",
                    "Uploads refused before any byte was stored", "reason", r.reason()).increment();
            case AgentEvent.SpoolDeleted d -> {
                counter("edgesync.spool.deleted.files", "Delivered files deleted by retention", "policy", d.policy())
                        .increment();
                counter("edgesync.spool.deleted.bytes", "Bytes of delivered files deleted by retention", "policy",
                        d.policy()).increment(d.size());
            }
            case AgentEvent.DeliveryParked p -> {
                failure(p.upstream(), p.reason());
                counter("edgesync.deliveries.parked", "Deliveries given up until an operator retries them",
                        "upstream", p.upstream()).increment();
            }
            case AgentEvent.DeliveryQueued q -> counter("edgesync.deliveries.queued",
                    "Deliveries owed: new uploads, resyncs and retries", "cause", q.cause()).increment();
            case AgentEvent.DeliveryCancelled c -> counter("edgesync.deliveries.cancelled",
                    "Deliveries cancelled by an operator", "upstream", c.upstream()).increment();
            case AgentEvent.Progress p -> {
                // the status shows transfers in flight; bytes are counted once delivered
            }
            case AgentEvent.DeviceSilent d -> counter("edgesync.devices.silent",
                    "Silence alarms: a device did not upload within its expect-every", "user", d.user()).increment();
            case AgentEvent.StorageFailed f -> Counter.builder("edgesync.storage.failures")
                    .description("Times the data folder's disk stopped taking writes (read-only, I/O errors)")
                    .register(registry).increment();
            case AgentEvent.StorageRecovered r -> {
                // edgesync_storage_failed (a gauge) tells the state; failures are counted when they start
            }
            case AgentEvent.BudgetAlarm b -> Counter.builder("edgesync.budget.alarms")
                    .description("Data budget alarms: 80% of a period's budget used (warning), all of it (exhausted)")
                    .tags("upstream", b.upstream(), "period", b.period(), "level", b.level()).register(registry)
                    .increment();
            case AgentEvent.Failover f -> Counter.builder("edgesync.rule.switches")
                    .description("A delivery rule stopped counting an upstream as working, down or paused (failover),"
                            + " or counts it again (failback)")
                    .tags("rule", f.rule(), "upstream", f.upstream(), "switch", f.failedOver() ? "failover" : "failback")
                    .register(registry).increment();
            case AgentEvent.DeliveryWithdrawn w -> counter("edgesync.deliveries.withdrawn",
                    "Deliveries given up because the device deleted or replaced the file", "upstream", w.upstream())
                    .increment();
        }
    }

    /**
     * The agent's own meters ({@code edgesync_*}) as one JSON-ready map, for the MQTT metrics message:
     * {@code name{tag=value,...}} to a counter's count, a gauge's value, or a timer's count, total and max.
     */
    public Map<String, Object> snapshot() {
        Map<String, Object> values = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            if (!id.getName().startsWith("edgesync.")) {
                continue;
            }
            String key = id.getName() + (id.getTags().isEmpty() ? "" : id.getTags().stream()
                    .map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(",", "{", "}")));
            Object value = switch (meter) {
                case Counter c -> c.count();
                case Gauge g -> g.value();
                case Timer t -> Map.of("count", t.count(), "totalMs", t.totalTime(TimeUnit.MILLISECONDS),
                        "maxMs", t.max(TimeUnit.MILLISECONDS));
                default -> null;
            };
            if (value instanceof Double d && (d.isNaN() || d.isInfinite())) {
                value = null; // JSON has no NaN
            }
            if (value != null) {
                values.put(key, value);
            }
        }
        return values;
    }

    /**
     * The counters of each configured device account and upstream, at 0 from the start: a counter that appears
     * only with its first event loses that event to {@code rate()} and {@code increase()}, and a quiet board's
     * panels would say "no data".
     */
    public void startAtZero(java.util.List<String> users, java.util.List<String> upstreams) {
        for (String user : users) {
            counter("edgesync.files.received", "Complete uploads made durable", "user", user);
            counter("edgesync.bytes.received", "Bytes of complete uploads", "user", user);
        }
        for (String upstream : upstreams) {
            counter("edgesync.files.synced", "Files delivered upstream", "upstream", upstream);
            counter("edgesync.bytes.synced", "Bytes delivered upstream", "upstream", upstream);
            Timer.builder("edgesync.transfer.duration").description("Time of successful upstream transfers")
                    .tags("upstream", upstream).publishPercentileHistogram(false).register(registry);
            for (String reason : java.util.List.of("connect", "login", "timeout", "transfer", "verify", "rename",
                    "refused", "local")) {
                Counter.builder("edgesync.sync.failures").description("Failed upstream delivery attempts by reason")
                        .tags("upstream", upstream, "reason", reason).register(registry);
            }
        }
    }

    private void failure(String upstream, String reason) {
        Counter.builder("edgesync.sync.failures").description("Failed upstream delivery attempts by reason")
                .tags("upstream", upstream, "reason", reason).register(registry).increment();
    }

    private Counter counter(String name, String description, String tagKey, String tagValue) {
        return Counter.builder(name).description(description).tag(tagKey, tagValue).register(registry);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
