package io.edgesync.agent.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Delivery rules across upstreams ({@code sync.delivery-rules}) as the ledger keeps them: each file of a rule
 * has one delivery per upstream of the group that takes it, and a file counts as delivered once {@code k} of
 * them are. The rule keeps exactly enough of them live ({@code pending} or {@code active}) on upstreams that
 * work, preferring the group's order; the rest wait as {@code standby}; once the rule is met, what is still owed
 * elsewhere is {@code withdrawn} (its upstream temporary left for cleanup). {@link #decide} is the whole policy,
 * a pure function; the rest reads and writes it. One role of the {@link Ledger}: thread-safe.
 */
public final class Rules {
    private static final int BATCH = 500;

    private final Database database;

    Rules(Database database) {
        this.database = database;
    }

    /**
     * A rule as the ledger applies it.
     *
     * @param members the group, preferred first
     * @param k how many must have each file (fewer when fewer of them take it)
     * @param catchUp the first {@code k} upstreams that take a file still get it after the rule is met elsewhere
     * @param label how it reads: {@code any-of}, {@code 2-of-3}
     */
    public record Rule(String name, List<String> members, int k, boolean catchUp, String label) {
        public Rule {
            members = List.copyOf(members);
        }
    }

    /**
     * Where one file stands under its rule.
     *
     * @param needed how many upstreams must have it
     * @param deliveredTo the upstreams that have it
     * @param states each upstream's delivery state, in the group's order
     */
    public record Standing(String rule, String label, int needed, List<String> deliveredTo, boolean met,
                           Map<String, String> states) {
    }

    /** One delivery of a file to a member, as {@link #decide} sees it. */
    record Row(long id, String upstream, DeliveryStatus state, int attempts) {
        Row(long id, String upstream, DeliveryStatus state) {
            this(id, upstream, state, 0);
        }
    }

    /** A file that failed this often on one upstream of its rule (not parked) goes to the next one as well. */
    static final int FILE_TRIES = 3;

    /** What {@link #decide} changes: deliveries withdrawn, made pending, held back. */
    record Moves(List<Long> withdraw, List<Long> promote, List<Long> demote) {
        boolean none() {
            return withdraw.isEmpty() && promote.isEmpty() && demote.isEmpty();
        }
    }

    /**
     * The policy, for one file: {@code rows} are its deliveries to the rule's members; {@code failed} the
     * members that do not count as working (down for {@code failover-after}, or paused).
     */
    static Moves decide(Rule rule, Set<String> failed, List<Row> rows) {
        return decide(rule, failed, Set.of(), rows);
    }

    /**
     * As {@link #decide(Rule, Set, List)}; {@code unreachable} are the members that cannot be reached now (not
     * failed over yet): their failed attempts are the upstream's, not the file's, and do not pass it on.
     */
    static Moves decide(Rule rule, Set<String> failed, Set<String> unreachable, List<Row> rows) {
        List<Row> taken = new ArrayList<>();
        for (String member : rule.members()) { // in the group's order; superseded (replaced, cancelled) do not count
            rows.stream().filter(r -> r.upstream().equals(member) && r.state() != DeliveryStatus.SUPERSEDED)
                    .forEach(taken::add);
        }
        List<Long> withdraw = new ArrayList<>();
        List<Long> promote = new ArrayList<>();
        List<Long> demote = new ArrayList<>();
        int needed = Math.min(rule.k(), taken.size());
        long delivered = taken.stream().filter(r -> r.state() == DeliveryStatus.DELIVERED).count();
        if (needed == 0) {
            return new Moves(withdraw, promote, demote);
        }
        if (delivered >= needed) {
            List<Row> preferred = taken.subList(0, needed);
            for (Row r : taken) {
                boolean owed = r.state() == DeliveryStatus.PENDING || r.state() == DeliveryStatus.PARKED
                        || r.state() == DeliveryStatus.STANDBY;
                if (!owed) {
                    continue;
                }
                if (rule.catchUp() && preferred.contains(r)) {
                    if (r.state() == DeliveryStatus.STANDBY) {
                        promote.add(r.id());
                    }
                } else {
                    withdraw.add(r.id());
                }
            }
            return new Moves(withdraw, promote, demote);
        }
        // The live places go to the upstreams that work, in the rule's order: a transfer in flight keeps its
        // place; then the first waiting ones are made due and the rest held back. Not counted (and left as they
        // are): an upstream that does not count now (its own deliveries go on trying: that is how it is seen
        // back), a parked delivery, and one whose file failed there FILE_TRIES times (the next one tries too).
        long slots = needed - delivered - taken.stream().filter(r -> r.state() == DeliveryStatus.ACTIVE).count();
        for (Row r : taken) {
            boolean waiting = r.state() == DeliveryStatus.PENDING || r.state() == DeliveryStatus.STANDBY;
            if (!waiting || failed.contains(r.upstream())
                    || r.state() == DeliveryStatus.PENDING && r.attempts() >= FILE_TRIES
                    && !unreachable.contains(r.upstream())) {
                continue;
            }
            if (slots > 0) {
                slots--;
                if (r.state() == DeliveryStatus.STANDBY) {
                    promote.add(r.id());
                }
            } else if (r.state() == DeliveryStatus.PENDING) {
                demote.add(r.id());
            }
        }
        return new Moves(withdraw, promote, demote);
    }

    /** What a settling changed. */
    public record Settled(int withdrawn, int promoted, int demoted, Set<String> promotedTo) {
        static final Settled NOTHING = new Settled(0, 0, 0, Set.of());

        Settled plus(Settled o) {
            Set<String> to = new HashSet<>(promotedTo);
            to.addAll(o.promotedTo);
            return new Settled(withdrawn + o.withdrawn, promoted + o.promoted, demoted + o.demoted, to);
        }
    }

    /** Applies the rule to one file, and tells where it stands after. */
    public Standing settleFile(Rule rule, Set<String> failed, long fileId, Instant now) throws LedgerException {
        return settleFile(rule, failed, Set.of(), fileId, now);
    }

    /** As {@link #settleFile(Rule, Set, long, Instant)}, with the members that cannot be reached now. */
    public Standing settleFile(Rule rule, Set<String> failed, Set<String> unreachable, long fileId, Instant now)
            throws LedgerException {
        return database.writeRelaxed("apply rule " + rule.name() + " to file " + fileId, db -> {
            apply(db, rule, failed, unreachable, rows(db, rule, List.of(fileId)), now);
            return standing(rule, rows(db, rule, List.of(fileId)).getOrDefault(fileId, List.of()));
        });
    }

    /**
     * Applies the rule to every file of its members still owed somewhere, from file id {@code fromFileId} on,
     * in batches of their own transactions.
     *
     * @param upTo receives the highest file id looked at
     */
    public Settled settleAll(Rule rule, Set<String> failed, long fromFileId, Instant now,
                             java.util.function.LongConsumer upTo) throws LedgerException {
        return settleAll(rule, failed, Set.of(), fromFileId, now, upTo);
    }

    /** As {@link #settleAll(Rule, Set, long, Instant, java.util.function.LongConsumer)}, with the unreachable. */
    public Settled settleAll(Rule rule, Set<String> failed, Set<String> unreachable, long fromFileId, Instant now,
                             java.util.function.LongConsumer upTo) throws LedgerException {
        Settled total = Settled.NOTHING;
        long after = fromFileId - 1;
        for (int round = 0; round < 100_000; round++) {
            long from = after;
            Object[] batch = database.writeRelaxed("apply rule " + rule.name(), db -> {
                List<Long> files = owedFiles(db, rule, from);
                if (files.isEmpty()) {
                    return new Object[] {Settled.NOTHING, -1L};
                }
                return new Object[] {apply(db, rule, failed, unreachable, rows(db, rule, files), now),
                    files.get(files.size() - 1)};
            });
            total = total.plus((Settled) batch[0]);
            long last = (Long) batch[1];
            if (last < 0) {
                break;
            }
            upTo.accept(last);
            after = last;
        }
        return total;
    }

    /** Where each of these files stands under {@code rule}. */
    public Map<Long, Standing> standings(Rule rule, Collection<Long> fileIds) throws LedgerException {
        if (fileIds.isEmpty()) {
            return Map.of();
        }
        return database.read("look up rule " + rule.name(), db -> {
            Map<Long, Standing> out = new LinkedHashMap<>();
            for (Map.Entry<Long, List<Row>> file : rows(db, rule, List.copyOf(fileIds)).entrySet()) {
                out.put(file.getKey(), standing(rule, file.getValue()));
            }
            return out;
        });
    }

    /**
     * {@code upstream} follows no rule (any more): what a rule held back for it is owed to it.
     *
     * @return how many deliveries
     */
    public int release(String upstream, Instant now) throws LedgerException {
        return database.writeRelaxed("release held-back deliveries of " + upstream, db -> {
            try (PreparedStatement st = db.prepareStatement("UPDATE deliveries SET state = 'pending',"
                    + " next_attempt_at = ?, updated_at = ? WHERE upstream = ? AND state = 'standby'")) {
                Rows.bind(st, now.toEpochMilli(), now.toEpochMilli(), upstream);
                return st.executeUpdate();
            }
        });
    }

    /** The highest file id: where a keeper starts looking for new files. */
    public long lastFileId() throws LedgerException {
        return database.read("last file id", db -> {
            try (var st = db.createStatement(); var rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM files")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static Standing standing(Rule rule, List<Row> rows) {
        Map<String, String> states = new LinkedHashMap<>();
        List<String> delivered = new ArrayList<>();
        int taken = 0;
        for (String member : rule.members()) {
            for (Row r : rows) {
                if (r.upstream().equals(member)) {
                    states.put(member, r.state().label());
                    if (r.state() != DeliveryStatus.SUPERSEDED) {
                        taken++;
                    }
                    if (r.state() == DeliveryStatus.DELIVERED) {
                        delivered.add(member);
                    }
                }
            }
        }
        int needed = Math.min(rule.k(), taken);
        return new Standing(rule.name(), rule.label(), needed, delivered, needed > 0 && delivered.size() >= needed,
                states);
    }

    private static String in(Rule rule) {
        return String.join(", ", java.util.Collections.nCopies(rule.members().size(), "?"));
    }

    private static List<Long> owedFiles(Connection db, Rule rule, long after) throws SQLException {
        List<Object> params = new ArrayList<>(rule.members());
        params.add(after);
        params.add(BATCH);
        // the file index (file_id) from there on, in order: a pass walks the table once in all its batches, and
        // the look each second during a failover only the files received since. The claim index would find the
        // owed rows of the members at once, but sorted by upstream and state: each batch would walk all of them
        // again ('+' keeps SQLite off it)
        return Rows.list(db, owedFilesSql(rule), rs -> rs.getLong(1), params.toArray());
    }

    /** The next files (after a file id) the rule's members still owe something for, in id order. */
    static String owedFilesSql(Rule rule) {
        return "SELECT DISTINCT file_id FROM deliveries WHERE +upstream IN (" + in(rule) + ")"
                + " AND +state IN ('pending', 'parked', 'standby', 'active') AND file_id > ?"
                + " ORDER BY file_id LIMIT ?";
    }

    /** The deliveries of these files to the rule's members, by file id. */
    private static Map<Long, List<Row>> rows(Connection db, Rule rule, List<Long> fileIds) throws SQLException {
        Map<Long, List<Row>> out = new TreeMap<>();
        for (int from = 0; from < fileIds.size(); from += BATCH) {
            List<Long> part = fileIds.subList(from, Math.min(fileIds.size(), from + BATCH));
            List<Object> params = new ArrayList<>(part);
            params.addAll(rule.members());
            List<Object[]> found = Rows.list(db, "SELECT file_id, id, upstream, state, attempts FROM deliveries WHERE file_id IN ("
                    + String.join(", ", java.util.Collections.nCopies(part.size(), "?")) + ") AND upstream IN ("
                    + in(rule) + ") ORDER BY id", rs -> new Object[] {rs.getLong(1),
                    new Row(rs.getLong(2), rs.getString(3), DeliveryStatus.of(rs.getString(4)), rs.getInt(5))},
                    params.toArray());
            for (Object[] f : found) {
                out.computeIfAbsent((Long) f[0], id -> new ArrayList<>()).add((Row) f[1]);
            }
        }
        return out;
    }

    private static Settled apply(Connection db, Rule rule, Set<String> failed, Set<String> unreachable,
                                 Map<Long, List<Row>> files, Instant now)
            throws SQLException {
        long at = now.toEpochMilli();
        int withdrawn = 0;
        int promoted = 0;
        int demoted = 0;
        Set<String> promotedTo = new HashSet<>();
        try (PreparedStatement withdraw = db.prepareStatement("UPDATE deliveries SET state = 'withdrawn',"
                + " updated_at = ?, last_error = ? WHERE id = ? AND state IN ('pending', 'parked', 'standby')");
             PreparedStatement promote = db.prepareStatement("UPDATE deliveries SET state = 'pending',"
                     + " next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'standby'");
             PreparedStatement demote = db.prepareStatement("UPDATE deliveries SET state = 'standby', updated_at = ?"
                     + " WHERE id = ? AND state = 'pending'")) {
            for (List<Row> rows : files.values()) {
                Moves moves = decide(rule, failed, unreachable, rows);
                if (moves.none()) {
                    continue;
                }
                String metBy = rows.stream().filter(r -> r.state() == DeliveryStatus.DELIVERED).map(Row::upstream)
                        .sorted().reduce((a, b) -> a + ", " + b).orElse("");
                for (long id : moves.withdraw()) {
                    Rows.moveTempsToStale(db, "id = ? AND state IN ('pending', 'parked', 'standby')", id);
                    Rows.bind(withdraw, at, "rule " + rule.name() + " (" + rule.label() + ") met by " + metBy, id);
                    withdrawn += withdraw.executeUpdate();
                }
                for (long id : moves.promote()) {
                    Rows.bind(promote, at, at, id);
                    if (promote.executeUpdate() == 1) {
                        promoted++;
                        rows.stream().filter(r -> r.id() == id).forEach(r -> promotedTo.add(r.upstream()));
                    }
                }
                for (long id : moves.demote()) {
                    Rows.bind(demote, at, id);
                    demoted += demote.executeUpdate();
                }
            }
        }
        return new Settled(withdrawn, promoted, demoted, promotedTo);
    }
}
