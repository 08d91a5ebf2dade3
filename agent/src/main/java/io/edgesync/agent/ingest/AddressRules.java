package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import org.apache.mina.filter.firewall.Subnet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Per-account address allow-lists ({@code ftp.users[].allow}): an account with a list logs in only from
 * an address inside one of its blocks. Matching is MINA's {@link Subnet}. Immutable.
 */
final class AddressRules {
    private final Map<String, List<Subnet>> byUser;

    AddressRules(List<FtpSettings.User> users) {
        this.byUser = users.stream().filter(u -> !u.allow().isEmpty())
                .collect(Collectors.toUnmodifiableMap(FtpSettings.User::name,
                        u -> u.allow().stream().map(AddressRules::subnet).toList()));
    }

    /** Whether {@code user} may log in from {@code address} (unknown users pass: the password check fails them). */
    boolean allows(String user, String address) {
        List<Subnet> blocks = byUser.get(user);
        if (blocks == null) {
            return true;
        }
        try {
            InetAddress from = InetAddress.getByName(address); // a literal: no name lookup
            return blocks.stream().anyMatch(b -> b.inSubnet(from));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code a.b.c.d/n}, {@code x::/n}, or one address (the whole width). Validated by the config already. */
    private static Subnet subnet(String cidr) {
        String[] parts = cidr.split("/", 2);
        try {
            InetAddress address = InetAddress.getByName(parts[0]);
            int width = address.getAddress().length * 8;
            return new Subnet(address, parts.length == 2 ? Integer.parseInt(parts[1]) : width);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + cidr, e);
        }
    }
}
