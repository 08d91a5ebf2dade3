package io.edgesync.agent.telemetry;

import java.util.List;

/**
 * Receives {@link AgentEvent}s. Implementations must return quickly and never throw: they are called on
 * the ingest and sync paths, which must not wait for a broker or a slow consumer.
 */
@FunctionalInterface
public interface EventSink {
    void publish(AgentEvent event);

    /** One sink that hands each event to all of {@code sinks}, in order, isolating their failures. */
    static EventSink fanOut(List<EventSink> sinks) {
        List<EventSink> copy = List.copyOf(sinks);
        System.Logger log = System.getLogger(EventSink.class.getName());
        return event -> {
            for (EventSink sink : copy) {
                try {
                    sink.publish(event);
                } catch (RuntimeException e) {
                    log.log(System.Logger.Level.WARNING, "event sink " + sink + " failed on " + event, e);
                }
            }
        };
    }
}
