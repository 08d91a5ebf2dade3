package io.edgesync.agent.telemetry;

import io.edgesync.agent.config.MqttSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Telemetry over the agent's {@link MqttLink}: a retained status on {@code A/status} at every (re)connect
 * (the birth message), a second after changes and every {@code mqtt.status-interval}; the last will marks
 * it offline; one message per event on {@code A/events}; a snapshot of the key meters on {@code A/metrics}
 * every {@code mqtt.metrics-interval}. Never blocks its callers. While the broker is unreachable events wait
 * in a bounded buffer (oldest dropped first, drops counted in {@code edgesync_mqtt_dropped_total}) and go out
 * in order on reconnect. Thread-safe.
 */
public final class MqttTelemetry implements EventSink, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MqttTelemetry.class.getName());
    private static final Duration STATUS_DEBOUNCE = Duration.ofSeconds(1);
    private static final int OFFLINE_BUFFER = 1000;

    private final MqttSettings settings;
    private final Topics topics;
    private final MqttLink link;
    private final Supplier<Map<String, Object>> meters;
    private volatile Supplier<Object> status; // set by start()
    private final Counter dropped;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("mqtt-telemetry").factory());
    private final AtomicBoolean statusScheduled = new AtomicBoolean();
    private final Object offlineLock = new Object();
    private final ArrayDeque<byte[]> offline = new ArrayDeque<>(); // event payloads, guarded by offlineLock

    /** @param meters the metrics snapshot for {@code A/metrics} */
    public MqttTelemetry(MqttSettings settings, Topics topics, MqttLink link, Supplier<Map<String, Object>> meters,
                         MeterRegistry registry) {
        this.settings = settings;
        this.topics = topics;
        this.link = link;
        this.meters = meters;
        this.status = () -> Map.of("agent", topics.agentId(), "online", true);
        this.dropped = Counter.builder("edgesync.mqtt.dropped")
                .description("Telemetry messages dropped because the broker was unreachable").register(registry);
        link.onConnected(() -> timer.execute(() -> {
            publishStatus(); // birth: the retained status says online again
            drainOffline();
        }));
    }

    /** The retained status of an agent that is gone: the last will, and the last word of a clean stop. */
    public static PahoLink.Will will(Topics topics) {
        return new PahoLink.Will(topics.status(), offline(topics));
    }

    private static byte[] offline(Topics topics) {
        return Json.bytes(Map.of("agent", topics.agentId(), "online", false));
    }

    /**
     * Starts the periodic messages. Returns at once; connecting is the link's.
     *
     * @param status supplies the current status object (serialized as JSON) for each status message
     */
    public void start(Supplier<Object> status) {
        this.status = status;
        long every = settings.statusInterval().toMillis();
        timer.scheduleAtFixedRate(this::publishStatus, every, every, TimeUnit.MILLISECONDS);
        // the client also refuses while connected (too many messages in flight): retry what waits each second
        timer.scheduleWithFixedDelay(this::drainOffline, 1, 1, TimeUnit.SECONDS);
        if (!settings.metricsInterval().isZero()) {
            long m = settings.metricsInterval().toMillis();
            timer.scheduleAtFixedRate(this::publishMetrics, m, m, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void publish(AgentEvent event) {
        byte[] payload = Json.bytes(EventMessages.of(topics.agentId(), event));
        synchronized (offlineLock) {
            drainOffline(); // what waits goes first, so the order holds
            if (!offline.isEmpty() || !link.publish(topics.events(), payload, false)) {
                buffer(payload);
            }
        }
        if (event instanceof AgentEvent.Progress) {
            return; // progress shows in the next periodic status, not in one per tick
        }
        if (statusScheduled.compareAndSet(false, true)) {
            timer.schedule(() -> {
                statusScheduled.set(false);
                publishStatus();
            }, STATUS_DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void publishStatus() {
        try {
            if (link.connected()) {
                link.publish(topics.status(), Json.bytes(status.get()), true);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot build the MQTT status", e);
        }
    }

    private void publishMetrics() {
        try {
            if (link.connected()) {
                Map<String, Object> message = new LinkedHashMap<>();
                message.put("agent", topics.agentId());
                message.put("at", Instant.now().toString());
                message.put("meters", meters.get());
                link.publish(topics.metrics(), Json.bytes(message), false);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot build the MQTT metrics snapshot", e);
        }
    }

    private void buffer(byte[] payload) {
        if (offline.size() >= OFFLINE_BUFFER) {
            offline.removeFirst();
            dropped.increment();
        }
        offline.addLast(payload);
    }

    /**
     * Sends what waited (the broker away, or the client's in-flight window full), oldest first; stops at the
     * first refusal.
     */
    private void drainOffline() {
        synchronized (offlineLock) {
            while (!offline.isEmpty() && link.publish(topics.events(), offline.peekFirst(), false)) {
                offline.removeFirst();
            }
        }
    }

    /** Publishes a retained offline status, then disconnects. */
    @Override
    public void close() {
        timer.shutdownNow();
        link.publishAndWait(topics.status(), offline(topics), true, Duration.ofSeconds(2));
        link.close();
    }
}
