package io.edgesync.agent.telemetry;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The agent's one MQTT connection, as the rest of the agent sees it: no client library's types. It
 * connects in the background and keeps reconnecting (the first connect too), and restores every
 * subscription after each (re)connect. Publishing never blocks: a message the connection cannot take now
 * is refused ({@code false}), and buffering is the caller's choice. Thread-safe.
 */
public interface MqttLink extends AutoCloseable {

    /**
     * A message that arrived on a subscription.
     *
     * @param responseTopic   MQTT 5 response topic of a request, if the sender set one
     * @param correlationData MQTT 5 correlation data, to be returned with the reply
     * @param retained the broker kept it and sent it on subscribing (not sent just now)
     */
    record Inbound(String topic, byte[] payload, Optional<String> responseTopic, Optional<byte[]> correlationData,
                   boolean retained) {
    }

    /** Starts connecting in the background; returns at once. */
    void start();

    boolean connected();

    /** Runs {@code action} after every successful (re)connect, once subscriptions are being restored. */
    void onConnected(Runnable action);

    /** Subscribes now if connected, and again after every reconnect. Call before {@link #start()}. */
    void subscribe(List<String> filters, Consumer<Inbound> handler);

    /** A QoS 1 message; false when it was not taken (not connected, too many in flight). */
    boolean publish(String topic, byte[] payload, boolean retained);

    /** A QoS 1 reply carrying the request's correlation data; false when it was not taken. */
    boolean reply(String topic, byte[] payload, Optional<byte[]> correlationData);

    /**
     * {@link #reply}, offered again while the client cannot take it (its in-flight window full, or
     * reconnecting), for at most {@code timeout}; false when it was never taken.
     */
    boolean replyWaiting(String topic, byte[] payload, Optional<byte[]> correlationData, Duration timeout)
            throws InterruptedException;

    /** Publishes and waits until the broker acknowledged it, or {@code timeout}; false when not sent. */
    boolean publishAndWait(String topic, byte[] payload, boolean retained, Duration timeout);

    /** Disconnects cleanly (the last will is not sent) and stops reconnecting. */
    @Override
    void close();
}
