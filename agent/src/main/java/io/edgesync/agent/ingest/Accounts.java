package io.edgesync.agent.ingest;

import io.edgesync.agent.config.FtpSettings;
import io.edgesync.agent.config.Password;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The device accounts ({@code ftp.users}) every part of the FTP server reads: logins, permissions,
 * limits, TLS and address rules. {@code reload-config} swaps the whole set at once; a command already
 * running keeps the view it started with. Thread-safe.
 */
final class Accounts {
    /** @param cost the dearest password check among the accounts, in PBKDF2 iterations */
    private record Snapshot(Map<String, FtpSettings.User> byName, AddressRules addresses, int cost) {
    }

    private volatile Snapshot current;

    Accounts(List<FtpSettings.User> users) {
        replace(users);
    }

    void replace(List<FtpSettings.User> users) {
        int cost = users.stream().mapToInt(u -> u.password().cost()).max().orElse(0);
        current = new Snapshot(users.stream().collect(Collectors.toUnmodifiableMap(FtpSettings.User::name,
                Function.identity())), new AddressRules(users), cost);
    }

    Optional<FtpSettings.User> get(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(current.byName().get(name));
    }

    List<FtpSettings.User> all() {
        return List.copyOf(current.byName().values());
    }

    /**
     * Whether {@code candidate} is the password of account {@code name}, at the same cost whatever the
     * account: an unknown name, a plain-text password and a hash of fewer iterations are all padded to the
     * dearest check among the accounts. So the time of a login tells nothing about which names exist.
     */
    boolean verify(String name, String candidate) {
        Snapshot s = current;
        FtpSettings.User user = name == null ? null : s.byName().get(name);
        boolean ok = user != null && user.password().matches(candidate);
        Password.burn(candidate, s.cost() - (user == null ? 0 : user.password().cost()));
        return ok;
    }

    /** The user's {@code max-file-size} and quota (none for an unknown user). */
    FtpSettings.Limits limits(String name) {
        return get(name).map(FtpSettings.User::limits).orElse(FtpSettings.Limits.NONE);
    }

    boolean requiresTls(String name) {
        return get(name).map(FtpSettings.User::requireTls).orElse(false);
    }

    /** Whether {@code user} may log in from {@code address} (unknown users pass: the password check fails them). */
    boolean allows(String user, String address) {
        return current.addresses().allows(user, address);
    }
}
