package io.edgesync.agent.sync;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.ledger.Ledger;
import io.edgesync.agent.spool.Arrivals;
import io.edgesync.agent.spool.Routing;
import io.edgesync.agent.telemetry.EventSink;

import java.time.Clock;

/** Sync and the spool's {@link Arrivals} wired as {@code Main} wires them: arrivals recorded, sync told. */
record Wired(SyncService sync, Arrivals arrivals) {
    static Wired of(AgentConfig config, Ledger ledger, EventSink events, Clock clock) {
        Routing routing = new Routing(config);
        SyncService sync = new SyncService(config, routing, ledger, events, clock);
        return new Wired(sync, new Arrivals(ledger, routing, events, clock, sync));
    }
}
