package io.edgesync.agent.control;

import io.edgesync.agent.telemetry.Json;
import io.edgesync.agent.telemetry.MqttLink;
import io.edgesync.agent.telemetry.Topics;

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
 */
public final class MqttCommands implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MqttCommands.class.getName());
    private static final int QUEUE = 100;

    private final CommandRegistry registry;
    private final MqttLink link;
    private final Topics topics;
    private final List<String> groups;
    private final ThreadPoolExecutor runner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE), Thread.ofPlatform().daemon().name("mqtt-commands").factory());

    public MqttCommands(CommandRegistry registry, MqttLink link, Topics topics, List<String> groups) {
        this.registry = registry;
        this.link = link;
        this.topics = topics;
        this.groups = List.copyOf(groups);
    }

    /** Subscribes (again after every reconnect, by the link). Call before the link starts. */
    public void start() {
        link.subscribe(topics.commandFilters(groups), this::arrived);
    }

    private void arrived(MqttLink.Inbound request) {
        String name = Topics.commandOf(request.topic());
        if (request.retained()) {
            LOG.log(System.Logger.Level.WARNING, "retained command on {0} ignored: publish commands without the"
                    + " retain flag", request.topic());
            return;
        }
        try {
            runner.execute(() -> send(request, registry.handle(name, request.payload())));
        } catch (RejectedExecutionException e) {
            send(request, CommandReply.failure(null, name, topics.agentId(), "unavailable",
                    QUEUE + " commands are waiting already; try again later", Optional.empty()));
        }
    }

    private void send(MqttLink.Inbound request, CommandReply reply) {
        String to = request.responseTopic().or(reply::replyTo).orElse(topics.reply(reply.command()));
        if (!link.reply(to, Json.bytes(reply.toJson()), request.correlationData())) {
            LOG.log(System.Logger.Level.WARNING, "reply to {0} ({1}) not sent: the broker is unreachable", reply.command(),
                    to);
        }
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
