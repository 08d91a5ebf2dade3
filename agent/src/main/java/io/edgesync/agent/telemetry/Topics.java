package io.edgesync.agent.telemetry;

import java.util.ArrayList;
import java.util.List;

/** The agent's MQTT topic tree under {@code <prefix>/<agent-id>} (see the README, Fleet). */
public record Topics(String prefix, String agentId) {

    public String base() {
        return prefix + "/" + agentId;
    }

    /** Retained; the last will marks it offline. */
    public String status() {
        return base() + "/status";
    }

    public String events() {
        return base() + "/events";
    }

    public String metrics() {
        return base() + "/metrics";
    }

    /** Where a reply goes when the request named neither a response topic nor a {@code reply-to}. */
    public String reply(String command) {
        return base() + "/reply/" + command;
    }

    /** This agent's, the whole fleet's and its groups' command topics, one level for the command's name. */
    public List<String> commandFilters(List<String> groups) {
        List<String> filters = new ArrayList<>(List.of(base() + "/cmd/+", prefix + "/all/cmd/+"));
        groups.forEach(g -> filters.add(prefix + "/group/" + g + "/cmd/+"));
        return filters;
    }

    /**
     * Whether {@code topic} is a command topic of any agent of this prefix ({@code P/<agent>/cmd/<name>},
     * {@code P/all/cmd/<name>}, {@code P/group/<g>/cmd/<name>}): a reply sent there would run as a command,
     * on this agent or on the whole fleet, and its reply could loop.
     */
    public boolean isCommandTopic(String topic) {
        String[] levels = topic.split("/", -1);
        int p = prefix.split("/", -1).length;
        if (levels.length < p || !String.join("/", java.util.Arrays.copyOf(levels, p)).equals(prefix)) {
            return false;
        }
        int rest = levels.length - p;
        return rest == 3 && levels[p + 1].equals("cmd")
                || rest == 4 && levels[p].equals("group") && levels[p + 2].equals("cmd");
    }

    /** The command name of a topic that matched {@link #commandFilters}: its last level. */
    public static String commandOf(String topic) {
        return topic.substring(topic.lastIndexOf('/') + 1);
    }
}
