package io.edgesync.agent.control;

import io.edgesync.agent.config.AgentConfig;
import io.edgesync.agent.config.ConfigException;
import io.edgesync.agent.config.UpstreamSettings;
import io.edgesync.agent.ingest.IngestServer;
import io.edgesync.agent.sync.SyncService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The {@code reload-config} command: reads the configuration file again and applies, without a restart,
 * what can change while running: the device accounts ({@code ftp.users}: passwords, permissions, homes,
 * limits, TLS and address rules, silence alarms), the upstreams' logins ({@code upstreams[].user},
 * {@code password}), and the uplink's controls: bandwidth limits ({@code sync.bandwidth},
 * {@code upstreams[].bandwidth}), budgets ({@code upstreams[].budget}, {@code budget-exempt}) and
 * {@code sync.priorities}. A file with errors changes nothing and the reply names them; a file that also changes
 * anything else changes nothing and the reply names the keys that need a restart. Thread-safe.
 */
final class ConfigReloader {
    private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());

    private final Callable<AgentConfig> source;
    private final IngestServer ingest;
    private final SyncService sync;
    private final SilenceWatch silence;
    private AgentConfig current; // guarded by this

    /** @param source reads the configuration as at start (the same file, or the demo's) */
    ConfigReloader(Callable<AgentConfig> source, AgentConfig current, IngestServer ingest, SyncService sync,
                   SilenceWatch silence) {
        this.source = source;
        this.current = current;
        this.ingest = ingest;
        this.sync = sync;
        this.silence = silence;
    }

    record Applied(List<String> applied) {
    }

    synchronized Applied reload() throws CommandException {
        AgentConfig next;
        try {
            next = source.call();
        } catch (ConfigException e) {
            throw new CommandException("bad-config", "the configuration has errors; nothing was changed: "
                    + String.join("; ", e.problems()));
        } catch (Exception e) {
            throw new CommandException("bad-config", "cannot read the configuration; nothing was changed: " + e.getMessage());
        }
        List<String> restart = needRestart(current, next);
        if (!restart.isEmpty()) {
            throw new CommandException("restart-required", "these changed and take effect only after a restart: "
                    + String.join(", ", restart) + "; nothing was changed (restart the agent, or undo them and reload)");
        }
        List<String> applied = new ArrayList<>();
        if (!next.ftp().users().equals(current.ftp().users())) {
            try {
                ingest.replaceUsers(next.ftp().users());
            } catch (IOException e) {
                throw new CommandException("unavailable", "cannot create a new user's home; nothing was changed: "
                        + e.getMessage());
            }
            silence.replaceUsers(next.ftp().users());
            applied.add("ftp.users");
        }
        try {
            applied.addAll(sync.useSettings(current, next));
        } catch (io.edgesync.agent.ledger.LedgerException e) {
            throw new CommandException("unavailable", "the ledger cannot rank the owed deliveries again; the new"
                    + " limits apply, the new priorities from the next reload: " + e.getMessage());
        }
        Map<String, UpstreamSettings> before = current.upstreams().stream()
                .collect(Collectors.toMap(UpstreamSettings::name, Function.identity()));
        for (UpstreamSettings u : next.upstreams()) {
            UpstreamSettings old = before.get(u.name());
            if (!u.user().equals(old.user()) || !u.password().equals(old.password())) {
                sync.useCredentials(u.name(), u.user(), u.password());
                applied.add("upstreams." + u.name() + ".user/password");
            }
        }
        current = next;
        LOG.log(System.Logger.Level.INFO, "configuration reloaded: {0}", applied.isEmpty() ? "no change" : applied);
        return new Applied(applied);
    }

    private static List<String> needRestart(AgentConfig a, AgentConfig b) {
        List<String> keys = new ArrayList<>();
        differs(keys, "agent", a.agent(), b.agent());
        differs(keys, "ftp (besides ftp.users)", a.ftp().withUsers(List.of()), b.ftp().withUsers(List.of()));
        differs(keys, "upstreams (besides user and password)",
                a.upstreams().stream().map(UpstreamSettings::withoutLiveSettings).toList(),
                b.upstreams().stream().map(UpstreamSettings::withoutLiveSettings).toList());
        differs(keys, "sync (besides bandwidth and priorities)", a.sync().withoutLiveSettings(),
                b.sync().withoutLiveSettings());
        differs(keys, "sync.delivery-rules", a.rules(), b.rules());
        differs(keys, "disk", a.disk(), b.disk());
        differs(keys, "retention", a.retention(), b.retention());
        differs(keys, "http", a.http(), b.http());
        differs(keys, "mqtt", a.mqtt(), b.mqtt());
        return keys;
    }

    private static void differs(List<String> keys, String key, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            keys.add(key);
        }
    }
}
