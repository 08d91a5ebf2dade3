package io.edgesync.agent.telemetry;

import io.edgesync.agent.config.MqttSettings;
import io.edgesync.agent.config.PemTls;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.util.MqttTopicValidator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link MqttLink} on Eclipse Paho's MQTT v5 client. Paho reconnects automatically only after a first
 * success and, with a clean start, the broker forgets subscriptions: this class retries the first connect
 * itself and subscribes again on every {@code connectComplete}.
 */
public final class PahoLink implements MqttLink {
    private static final System.Logger LOG = System.getLogger(PahoLink.class.getName());
    private static final Duration RETRY_MIN = Duration.ofSeconds(1);
    private static final Duration RETRY_MAX = Duration.ofSeconds(30);
    /** How often a reply that Paho did not take (its in-flight window full, or reconnecting) is offered again. */
    private static final Duration RETRY_TAKEN = Duration.ofMillis(10);

    /** What the broker publishes for us when the connection dies without a clean disconnect. */
    public record Will(String topic, byte[] payload) {
    }

    private record Subscription(List<String> filters, Consumer<Inbound> handler) {
    }

    private final MqttSettings settings;
    private final Will will;
    private final MqttAsyncClient client;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final List<Runnable> onConnected = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    public PahoLink(MqttSettings settings, Will will) {
        this.settings = settings;
        this.will = will;
        try {
            this.client = new MqttAsyncClient(settings.broker().orElseThrow().toString(), settings.clientId(),
                    new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalArgumentException("mqtt.broker: cannot use " + settings.broker().orElseThrow() + ": " + e, e);
        }
        client.setCallback(new Callback());
    }

    @Override
    public void start() {
        MqttConnectionOptions options = options(); // TLS files are read here: a bad one fails the start
        Thread.ofVirtual().name("mqtt-connect").start(() -> connectUntilConnected(options));
    }

    @Override
    public boolean connected() {
        return client.isConnected();
    }

    @Override
    public void onConnected(Runnable action) {
        onConnected.add(action);
    }

    @Override
    public void subscribe(List<String> filters, Consumer<Inbound> handler) {
        Subscription subscription = new Subscription(List.copyOf(filters), handler);
        subscriptions.add(subscription);
        if (client.isConnected()) {
            subscribe(subscription);
        }
    }

    private void subscribe(Subscription subscription) {
        try {
            // retain-as-published: MQTT 5 brokers clear RETAIN on live delivery otherwise, and a retained
            // command published while the agent is connected would look like a fresh one and run
            MqttSubscription[] subs = subscription.filters().stream().map(f -> {
                MqttSubscription sub = new MqttSubscription(f, 1);
                sub.setRetainAsPublished(true);
                return sub;
            }).toArray(MqttSubscription[]::new);
            client.subscribe(subs, null, null, new MqttProperties());
        } catch (MqttException e) {
            LOG.log(System.Logger.Level.WARNING, "MQTT subscribe to {0}: {1}", subscription.filters(), e.getMessage());
        }
    }

    @Override
    public boolean publish(String topic, byte[] payload, boolean retained) {
        return send(topic, message(payload, retained, Optional.empty())) != null;
    }

    @Override
    public boolean reply(String topic, byte[] payload, Optional<byte[]> correlationData) {
        return send(topic, message(payload, false, correlationData)) != null;
    }

    @Override
    public boolean replyWaiting(String topic, byte[] payload, Optional<byte[]> correlationData, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (send(topic, message(payload, false, correlationData)) != null) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(RETRY_TAKEN.toMillis()); // the in-flight window frees as the broker acknowledges
        }
    }

    @Override
    public boolean publishAndWait(String topic, byte[] payload, boolean retained, Duration timeout) {
        IMqttToken token = send(topic, message(payload, retained, Optional.empty()));
        if (token == null) {
            return false;
        }
        try {
            token.waitForCompletion(timeout.toMillis());
            return true;
        } catch (MqttException e) {
            return false;
        }
    }

    private static MqttMessage message(byte[] payload, boolean retained, Optional<byte[]> correlationData) {
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        message.setRetained(retained);
        correlationData.ifPresent(c -> {
            MqttProperties properties = new MqttProperties();
            properties.setCorrelationData(c);
            message.setProperties(properties);
        });
        return message;
    }

    private IMqttToken send(String topic, MqttMessage message) {
        if (!client.isConnected()) {
            return null;
        }
        try {
            return client.publish(topic, message);
        } catch (MqttException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.DEBUG, "MQTT publish to {0} refused: {1}", topic, e.getMessage());
            return null;
        }
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
        settings.tls().ifPresent(tls -> {
            try {
                options.setSocketFactory(PemTls.socketFactory(tls));
            } catch (IOException | java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException("mqtt.tls: " + e.getMessage(), e);
            }
            options.setHttpsHostnameVerificationEnabled(tls.verifyHostname());
        });
        MqttMessage last = message(will.payload(), true, Optional.empty());
        options.setWill(will.topic(), last);
        return options;
    }

    /** Paho retries only after a first success; this loop covers the first connect. */
    private void connectUntilConnected(MqttConnectionOptions options) {
        Duration delay = RETRY_MIN;
        try {
            while (closed.getCount() > 0) {
                try {
                    client.connect(options).waitForCompletion(Duration.ofSeconds(15).toMillis());
                    return;
                } catch (MqttException e) {
                    LOG.log(System.Logger.Level.WARNING, "MQTT broker {0} unreachable ({1}); retrying in {2} s",
                            settings.broker().orElseThrow(), reason(e), delay.toSeconds());
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

    /** Paho's own message is often "Untranslated MqttException": the root cause says what happened. */
    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root;
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            if (client.isConnected()) {
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
            subscriptions.forEach(PahoLink.this::subscribe); // a clean start forgot them
            onConnected.forEach(Runnable::run);
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
            MqttProperties properties = message.getProperties();
            Inbound inbound = new Inbound(topic, message.getPayload(),
                    Optional.ofNullable(properties == null ? null : properties.getResponseTopic()),
                    Optional.ofNullable(properties == null ? null : properties.getCorrelationData()),
                    message.isRetained());
            for (Subscription s : subscriptions) {
                if (s.filters().stream().anyMatch(f -> MqttTopicValidator.isMatched(f, topic))) {
                    try {
                        s.handler().accept(inbound);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "MQTT message on " + topic + " not handled", e);
                    }
                    return;
                }
            }
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
