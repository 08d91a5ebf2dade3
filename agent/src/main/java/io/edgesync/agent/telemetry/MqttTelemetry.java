package io.edgesync.agent.telemetry;

import io.edgesync.agent.config.MqttSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Telemetry over MQTT v5 (Paho, kept inside this class): a retained status on {@code <prefix>/<agent>/status}
 * at every (re)connect, on change and every {@code mqtt.status-interval}; a last will that marks the agent
 * offline; one event per file on {@code <prefix>/<agent>/events}. Never blocks its callers: publishing is
 * asynchronous; while the broker is unreachable events wait in a bounded buffer (oldest dropped first,
 * drops counted) and go out in order on reconnect; connecting is retried in the background, including
 * the first connect, which Paho does not retry. Thread-safe.
 */
public final class MqttTelemetry implements EventSink, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MqttTelemetry.class.getName());
    private static final Duration RETRY_MIN = Duration.ofSeconds(1);
    private static final Duration RETRY_MAX = Duration.ofSeconds(30);
    private static final Duration STATUS_DEBOUNCE = Duration.ofSeconds(1);
    private static final int OFFLINE_BUFFER = 1000;

    private final MqttSettings settings;
    private final String agentId;
    private final String statusTopic;
    private final String eventsTopic;
    private volatile Supplier<Object> status; // set by start()
    private final Counter dropped;
    private final MqttAsyncClient client;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("mqtt-status").factory());
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicBoolean statusScheduled = new AtomicBoolean();
    private final Object offlineLock = new Object();
    private final ArrayDeque<Pending> offline = new ArrayDeque<>(); // guarded by offlineLock

    /** An event waiting for the broker. */
    private record Pending(String topic, byte[] payload) {
    }

    public MqttTelemetry(MqttSettings settings, String agentId, MeterRegistry registry) {
        this.settings = settings;
        this.agentId = agentId;
        String base = settings.topicPrefix() + "/" + agentId;
        this.statusTopic = base + "/status";
        this.eventsTopic = base + "/events";
        this.status = () -> Map.of("agent", agentId, "online", true);
        this.dropped = Counter.builder("edgesync.mqtt.dropped")
                .description("Telemetry messages dropped because the broker was unreachable").register(registry);
        try {
            this.client = new MqttAsyncClient(settings.broker().orElseThrow().toString(), settings.clientId(),
                    new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalArgumentException("mqtt.broker: cannot use " + settings.broker().orElseThrow() + ": " + e, e);
        }
        client.setCallback(new Callback());
    }

    /**
     * Starts connecting in the background and the periodic status. Returns at once.
     *
     * @param status supplies the current status object (serialized as JSON) for each status message
     */
    public void start(Supplier<Object> status) {
        this.status = status;
        Thread.ofVirtual().name("mqtt-connect").start(this::connectUntilConnected);
        long every = settings.statusInterval().toMillis();
        timer.scheduleAtFixedRate(this::publishStatus, every, every, TimeUnit.MILLISECONDS);
    }

    public boolean connected() {
        return client.isConnected();
    }

    private MqttConnectionOptions options() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay((int) RETRY_MIN.toSeconds(), (int) RETRY_MAX.toSeconds());
        options.setConnectionTimeout(10);
        options.setKeepAliveInterval(30);
        if (!settings.username().isEmpty()) {
            options.setUserName(settings.username());
            options.setPassword(settings.password().reveal().getBytes(StandardCharsets.UTF_8));
        }
        options.setWill(statusTopic, offline());
        return options;
    }

    /** The retained status of an agent that is gone: the last will, and the last word of a clean stop. */
    private MqttMessage offline() {
        MqttMessage message = new MqttMessage(Json.bytes(Map.of("agent", agentId, "online", false)));
        message.setQos(1);
        message.setRetained(true);
        return message;
    }

    /** Paho retries only after a first success; this loop covers the first connect. */
    private void connectUntilConnected() {
        Duration delay = RETRY_MIN;
        try {
            while (closed.getCount() > 0) {
                try {
                    client.connect(options()).waitForCompletion(Duration.ofSeconds(15).toMillis());
                    return;
                } catch (MqttException e) {
                    LOG.log(System.Logger.Level.WARNING, "MQTT broker {0} unreachable ({1}); retrying in {2} s",
                            settings.broker().orElseThrow(), e.getMessage(), delay.toSeconds());
                }
                if (closed.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                delay = delay.multipliedBy(2).compareTo(RETRY_MAX) > 0 ? RETRY_MAX : delay.multipliedBy(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void publish(AgentEvent event) {
        byte[] payload = Json.bytes(EventMessages.of(agentId, event));
        synchronized (offlineLock) {
            if (!offline.isEmpty() || !client.isConnected()) {
                buffer(new Pending(eventsTopic, payload));
            } else if (!send(eventsTopic, payload, false)) {
                buffer(new Pending(eventsTopic, payload));
            }
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
            if (client.isConnected()) {
                send(statusTopic, Json.bytes(status.get()), true);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot build the MQTT status", e);
        }
    }

    private void buffer(Pending pending) {
        if (offline.size() >= OFFLINE_BUFFER) {
            offline.removeFirst();
            dropped.increment();
        }
        offline.addLast(pending);
    }

    /** Sends what waited while the broker was away, oldest first; stops at the first failure. */
    private void drainOffline() {
        synchronized (offlineLock) {
            while (!offline.isEmpty() && client.isConnected()) {
                Pending next = offline.peekFirst();
                if (!send(next.topic(), next.payload(), false)) {
                    return;
                }
                offline.removeFirst();
            }
        }
    }

    /** Hands a message to Paho; false if Paho refused it (not connected, too many in flight). */
    private boolean send(String topic, byte[] payload, boolean retained) {
        try {
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            message.setRetained(retained);
            client.publish(topic, message);
            return true;
        } catch (MqttException e) {
            LOG.log(System.Logger.Level.DEBUG, "MQTT publish to {0} refused: {1}", topic, e.getMessage());
            return false;
        }
    }

    /** Publishes a retained offline status, then disconnects. */
    @Override
    public void close() {
        closed.countDown();
        timer.shutdownNow();
        try {
            if (client.isConnected()) {
                client.publish(statusTopic, offline()).waitForCompletion(2_000);
                client.disconnect(2_000).waitForCompletion(3_000);
            }
            client.close(true);
        } catch (MqttException e) {
            LOG.log(System.Logger.Level.WARNING, "MQTT disconnect: {0}", e.getMessage());
        }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            LOG.log(System.Logger.Level.INFO, "MQTT {0} {1}", reconnect ? "reconnected to" : "connected to", serverUri);
            timer.execute(() -> {
                publishStatus(); // birth: the retained status says online again
                drainOffline();
            });
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            LOG.log(System.Logger.Level.WARNING, "MQTT connection lost: {0}; reconnecting in the background",
                    response.getReasonString());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            LOG.log(System.Logger.Level.WARNING, "MQTT error: {0}", exception.getMessage());
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            // this client subscribes to nothing
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // QoS 1 acknowledgements need no action
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // no enhanced authentication
        }
    }
}
