package io.edgesync.agent.control;

import java.util.List;

/**
 * The agent's state as {@code GET /api/v1/status} and the retained MQTT status show it. Times are
 * ISO-8601 UTC strings; a null field means "not known yet". Holds no secret.
 */
public record AgentStatus(String agent, String version, boolean online, String startedAt, long uptimeSeconds,
                          Ingest ingest, List<Upstream> upstreams, Mqtt mqtt, Disk disk,
                          List<SilenceWatch.Silent> silentDevices, List<RecentTransfer> recentTransfers, Uplink uplink,
                          List<Rule> rules, List<io.edgesync.agent.telemetry.Throughput.Minute> throughput,
                          List<Device> devices) {

    /** Without the last hour's throughput and the device list. */
    public AgentStatus(String agent, String version, boolean online, String startedAt, long uptimeSeconds,
                       Ingest ingest, List<Upstream> upstreams, Mqtt mqtt, Disk disk,
                       List<SilenceWatch.Silent> silentDevices, List<RecentTransfer> recentTransfers, Uplink uplink,
                       List<Rule> rules) {
        this(agent, version, online, startedAt, uptimeSeconds, ingest, upstreams, mqtt, disk, silentDevices,
                recentTransfers, uplink, rules, List.of(), List.of());
    }

    /** Without delivery rules. */
    public AgentStatus(String agent, String version, boolean online, String startedAt, long uptimeSeconds,
                       Ingest ingest, List<Upstream> upstreams, Mqtt mqtt, Disk disk,
                       List<SilenceWatch.Silent> silentDevices, List<RecentTransfer> recentTransfers, Uplink uplink) {
        this(agent, version, online, startedAt, uptimeSeconds, ingest, upstreams, mqtt, disk, silentDevices,
                recentTransfers, uplink, List.of());
    }

    public AgentStatus {
        rules = List.copyOf(rules);
        throughput = List.copyOf(throughput);
        devices = List.copyOf(devices);
        upstreams = List.copyOf(upstreams);
        silentDevices = List.copyOf(silentDevices);
        recentTransfers = List.copyOf(recentTransfers);
    }

    /** The same without the transfer history, for the retained MQTT status. */
    public AgentStatus withoutHistory() {
        return new AgentStatus(agent, version, online, startedAt, uptimeSeconds, ingest, upstreams, mqtt, disk,
                silentDevices, List.of(), uplink, rules, List.of(), devices);
    }

    public record Ingest(boolean running, int port, long filesReceived, long bytesReceived) {
    }

    /**
     * @param state unknown, up or down (see the README)
     * @param backlog deliveries still owed (waiting or in flight)
     */
    public record Upstream(String name, String url, String state, boolean paused, long backlog, long parked,
                           long delivered, Long oldestPendingAgeSeconds, int inFlight, int consecutiveFailures,
                           String lastSuccess, String lastFailure, String lastError, String retryAt,
                           List<Transfer> transfers, io.edgesync.agent.sync.BandwidthState bandwidth,
                           List<io.edgesync.agent.sync.BudgetState> budget, io.edgesync.agent.sync.UpstreamStatus.Files files) {
        public Upstream {
            transfers = List.copyOf(transfers);
            budget = List.copyOf(budget);
        }
    }

    /**
     * The agent's uplink controls: its own bandwidth limit ({@code sync.bandwidth} or an override), the
     * priorities in force, and how long a file waits before it takes every fourth start whatever its priority.
     */
    public record Uplink(io.edgesync.agent.sync.BandwidthState bandwidth, List<Priority> priorities,
                         long starveAfterSeconds) {
        public Uplink {
            priorities = List.copyOf(priorities);
        }
    }

    public record Priority(String glob, int priority) {
    }

    /**
     * A device account ({@code ftp.users[]}).
     *
     * @param lastUploadAt its last complete upload, null when none yet
     * @param expectEverySeconds its silence alarm (0: none)
     * @param silent past its {@code expect-every} now
     */
    public record Device(String user, String home, String lastUploadAt, long expectEverySeconds, boolean silent) {
    }

    /**
     * A delivery rule ({@code sync.delivery-rules}) now.
     *
     * @param rule {@code any-of} or {@code 2-of-3}
     * @param serving the upstreams new files go to, preferred first
     * @param failedOver the upstreams that do not count now (down for failover-after, or paused)
     */
    public record Rule(String name, String rule, List<String> upstreams, List<String> serving, List<String> failedOver,
                       long failoverAfterSeconds, long failbackAfterSeconds, boolean catchUp) {
    }

    /** A transfer in flight: bytes of the file upstream so far, of how many, and this attempt's speed. */
    public record Transfer(long delivery, String path, long bytesDone, long bytesTotal, long bytesPerSecond,
                           String startedAt) {
    }

    public record Mqtt(boolean enabled, boolean connected) {
    }

    /**
     * @param belowFloor new uploads are refused (452) until space returns
     * @param spoolFiles files in the spool now (current versions, not deleted by retention), and their bytes
     */
    public record Disk(String path, long freeBytes, long totalBytes, long floorBytes, boolean belowFloor,
                       long spoolFiles, long spoolBytes) {
        public Disk(String path, long freeBytes, long totalBytes, long floorBytes, boolean belowFloor) {
            this(path, freeBytes, totalBytes, floorBytes, belowFloor, -1, -1);
        }
    }

    public record RecentTransfer(String path, String upstream, long size, String state, int attempts, String at,
                                 Long durationMs, String error) {
    }
}
