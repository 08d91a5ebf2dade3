package io.edgesync.agent.ingest;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * What the technician commands ({@code SITE SYNC}, {@code SITE QUEUE}, {@code STAT}) report about the rest of
 * the agent, as text lines for an FTP reply. Implementations must be thread-safe.
 */
public interface SiteInfo {
    String agentId();

    String version();

    Duration uptime();

    /** One line per upstream: where the current version of spool {@code path} stands. Empty if unknown. */
    List<String> deliveries(String path) throws IOException;

    /** One line per upstream: state, backlog, parked, oldest pending. */
    List<String> queue() throws IOException;
}
