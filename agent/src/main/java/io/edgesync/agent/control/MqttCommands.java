package io.edgesync.agent.control;

import io.edgesync.agent.telemetry.Json;
import io.edgesync.agent.telemetry.LogThrottle;
import io.edgesync.agent.telemetry.MqttLink;
import io.edgesync.agent.telemetry.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Fleet commands over MQTT: requests on {@code A/cmd/<name>}, {@code <prefix>/all/cmd/<name>} and
 * {@code <prefix>/group/<g>/cmd/<name>} run through the {@link CommandRegistry}, one at a time in arrival
 * order, off the MQTT client's thread. The reply goes to the request's MQTT 5 response topic with its
 * correlation data; without one (MQTT 3.1.1 tools) to the request's {@code reply-to} field; else to
 * {@code A/reply/<name>}. Retained requests are ignored: a command must not run again at every reconnect.
 *
 * <p>What the network cannot do with it:
 * <ul>
 * <li>Loop it: a reply never goes to a command topic of any agent ({@link Topics#isCommandTopic}), where it
 * would run as a request whose reply runs as a request again.</li>
 * <li>Lose replies in a burst: at most {@value #QUEUE} commands wait to run; one more is answered
 * {@code unavailable} at once. Replies wait in a queue of their own ({@value #REPLIES}) for the MQTT client's
 * in-flight window, up to {@link #REPLY_WAIT} each; only past that is a reply dropped (counted in
 * {@code edgesync.mqtt.replies.dropped}, logged once a minute).</li>
 * </ul>
 */
public final class MqttCommands implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MqttCommands.class.getName());
    private static final int QUEUE = 100;
    private static final int REPLIES = 4096;
    private static final Duration REPLY_WAIT = Duration.ofSeconds(10);

    private final CommandRegistry registry;
    private final MqttLink link;
    private final Topics topics;
    private final List<String> groups;
    private final ThreadPoolExecutor runner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE), Thread.ofPlatform().daemon().name("mqtt-commands").factory());
    private final ThreadPoolExecutor replies = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(REPLIES), Thread.ofPlatform().daemon().name("mqtt-replies").factory());
    private final LogThrottle throttled = new LogThrottle(LOG, Duration.ofMinutes(1));
    private final Counter dropped;
    private final Counter refusedTopics;

    public MqttCommands(CommandRegistry registry, MqttLink link, Topics topics, List<String> groups,
                        MeterRegistry meters) {
        this.registry = registry;
        this.link = link;
        this.topics = topics;
        this.groups = List.copyOf(groups);
        this.dropped = Counter.builder("edgesync.mqtt.replies.dropped")
                .description("Command replies not sent: the broker did not take them in time, or too many waited")
                .register(meters);
        this.refusedTopics = Counter.builder("edgesync.mqtt.replies.refused")
                .description("Command replies not sent because they were asked to go to a command topic")
                .register(meters);
    }

    /** Subscribes (again after every reconnect, by the link). Call before the link starts. */
    public void start() {
        link.subscribe(topics.commandFilters(groups), this::arrived);
    }

    private void arrived(MqttLink.Inbound request) {
        String name = Topics.commandOf(request.topic());
        if (request.retained()) {
            throttled.log("retained", System.Logger.Level.WARNING, () -> "retained command on "
                    + request.topic() + " ignored: publish commands without the retain flag");
            return;
        }
        try {
            runner.execute(() -> send(request, registry.handle(name, request.payload())));
        } catch (RejectedExecutionException e) {
            send(request, registry.unavailable(name, request.payload(),
                    QUEUE + " commands are waiting already; try again later"));
        }
    }

    /** Queues the reply for sending; never blocks (it runs on Paho's callback thread for refusals). */
    private void send(MqttLink.Inbound request, CommandReply reply) {
        String to = request.responseTopic().or(reply::replyTo).orElse(topics.reply(reply.command()));
        if (topics.isCommandTopic(to)) {
            refusedTopics.increment();
            throttled.log("loop", System.Logger.Level.WARNING, () -> "reply to " + reply.command()
                    + " not sent: it was asked to go to the command topic " + to
                    + " (a reply there would run as a command)");
            return;
        }
        byte[] payload = Json.bytes(reply.toJson());
        try {
            replies.execute(() -> deliver(to, payload, request.correlationData(), reply.command()));
        } catch (RejectedExecutionException e) {
            dropped(reply.command(), to, REPLIES + " replies are waiting for the broker already");
        }
    }

    private void deliver(String to, byte[] payload, Optional<byte[]> correlation, String command) {
        try {
            if (!link.replyWaiting(to, payload, correlation, REPLY_WAIT)) {
                dropped(command, to, link.connected() ? "the broker did not take it within "
                        + REPLY_WAIT.toSeconds() + " s" : "the broker is unreachable");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void dropped(String command, String to, String why) {
        dropped.increment();
        throttled.log("dropped", System.Logger.Level.WARNING, () -> "reply to " + command + " (" + to
                + ") not sent: " + why);
    }

    @Override
    public void close() {
        runner.shutdownNow();
        replies.shutdownNow();
    }
}
