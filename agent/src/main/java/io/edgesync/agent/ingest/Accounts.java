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
    private record Snapshot(Map<String, FtpSettings.User> byName, AddressRules addresses, Password decoy) {
    }

    private volatile Snapshot current;

    Accounts(List<FtpSettings.User> users) {
        replace(users);
    }

    void replace(List<FtpSettings.User> users) {
        Password decoy = users.isEmpty() ? Password.parse("\u0000decoy\u0000") : users.getFirst().password().decoy();
        current = new Snapshot(users.stream().collect(Collectors.toUnmodifiableMap(FtpSettings.User::name,
                Function.identity())), new AddressRules(users), decoy);
    }

    Optional<FtpSettings.User> get(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(current.byName().get(name));
    }

    List<FtpSettings.User> all() {
        return List.copyOf(current.byName().values());
    }

    /** Checked for unknown users: the same kind and cost as a real password check. */
    Password decoy() {
        return current.decoy();
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
