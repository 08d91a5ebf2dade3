package io.edgesync.agent.config;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bandwidth limit that may change with the day and the hour ({@code sync.bandwidth},
 * {@code upstreams[].bandwidth}), written as operators say it:
 *
 * <pre>
 *   off                                     no limit (the default)
 *   2Mbit                                   always 2 Mbit/s
 *   Mon-Fri 08:00-18:00 2Mbit, else off     office hours limited, free otherwise
 *   22:00-06:00 off, Sat-Sun off, else 512kbit
 * </pre>
 *
 * Entries are separated by commas and the first that matches the local time wins; {@code else RATE} (last)
 * applies when none does, and without it that is no limit. An entry is {@code [DAYS] [HH:MM-HH:MM] RATE}:
 * days as {@code Mon}, {@code Mon-Fri} or {@code Fri-Mon} (every day when left out), a time window that may
 * cross midnight (it then begins on the days named: {@code Fri 22:00-06:00} ends Saturday 06:00; {@code 24:00}
 * is the end of the day), and a rate in bits ({@code 512kbit}, {@code 2Mbit}, {@code 1.5Gbit}, SI: 1 Mbit =
 * 1,000,000 bits) or bytes ({@code 256KiB}, {@code 1MiB}, {@code 500kB}, {@code 2MB}) per second, or
 * {@code off}. rclone's {@code --bwlimit} timetable says the same with switch times
 * ({@code "08:00,2M 18:00,off"}); windows with an end are harder to get wrong. Immutable.
 *
 * @param text the schedule as written (shown in the status)
 */
public record BandwidthSchedule(String text, List<Entry> entries, long otherwise) {
    /** No limit at any time. */
    public static final BandwidthSchedule OFF = new BandwidthSchedule("off", List.of(), 0);
    /** Slowest limit taken: below it an FTP transfer would trip the servers' own data timeouts. */
    public static final long MIN_BYTES_PER_SECOND = 1_000;
    static final String ALLOWED = "allowed: 'off', a rate such as 2Mbit, 512kbit or 256KiB, or a schedule such as"
            + " 'Mon-Fri 08:00-18:00 2Mbit, else off' (entries [DAYS] [HH:MM-HH:MM] RATE, separated by commas,"
            + " the first that matches wins; see README, Bandwidth)";

    private static final Pattern ENTRY = Pattern.compile(
            "(?:(?<days>[A-Za-z]+(?:-[A-Za-z]+)?)\\s+)?(?:(?<from>\\d{1,2}:\\d{2})-(?<to>\\d{1,2}:\\d{2})\\s+)?(?<rate>\\S+)");
    private static final Pattern RATE = Pattern.compile("(?<n>\\d{1,9}(?:\\.\\d{1,3})?)\\s*(?<unit>[A-Za-z]+)(?:/s)?");

    public BandwidthSchedule {
        entries = List.copyOf(entries);
    }

    /**
     * One entry: on {@code days} (bit 0 = Monday), from {@code from} to {@code to} minutes of the day
     * ({@code to <= from}: until {@code to} the next day), {@code bytesPerSecond} (0 = no limit).
     */
    public record Entry(int days, int from, int to, long bytesPerSecond) {
        boolean matches(ZonedDateTime t) {
            int day = t.getDayOfWeek().getValue() - 1;
            int minute = t.getHour() * 60 + t.getMinute();
            if (from < to) {
                return on(day) && minute >= from && minute < to;
            }
            return on(day) && minute >= from || on((day + 6) % 7) && minute < to;
        }

        private boolean on(int day) {
            return (days & (1 << day)) != 0;
        }
    }

    /**
     * @param key the setting, for the error
     * @throws ConfigException naming the entry that is wrong and why
     */
    public static BandwidthSchedule parse(String key, String text) {
        String trimmed = text == null ? "" : text.trim();
        if (trimmed.equalsIgnoreCase("false")) {
            trimmed = "off"; // YAML 1.1 reads an unquoted off as the boolean false
        }
        if (trimmed.isEmpty()) {
            throw ConfigException.of(key, text, ALLOWED);
        }
        List<Entry> entries = new ArrayList<>();
        Long otherwise = null;
        String[] parts = trimmed.split(",");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            String where = parts.length == 1 ? "" : "entry " + (i + 1) + " '" + part + "': ";
            if (otherwise != null) {
                throw ConfigException.of(key, text, where + "nothing may follow 'else'; " + ALLOWED);
            }
            String lower = part.toLowerCase(Locale.ROOT);
            if (lower.startsWith("else ") || lower.equals("else")) {
                otherwise = rate(key, text, where, part.substring(4).trim());
                continue;
            }
            Matcher m = ENTRY.matcher(part);
            if (!m.matches()) {
                throw ConfigException.of(key, text, where + "expected [DAYS] [HH:MM-HH:MM] RATE; " + ALLOWED);
            }
            long rate = rate(key, text, where, m.group("rate"));
            if (m.group("days") == null && m.group("from") == null) {
                if (parts.length == 1) {
                    otherwise = rate; // a plain rate: always
                    continue;
                }
                throw ConfigException.of(key, text, where + "an entry without days or hours always matches: write it"
                        + " last as 'else RATE'");
            }
            int days = m.group("days") == null ? 0x7f : days(key, text, where, m.group("days"));
            int from = m.group("from") == null ? 0 : minute(key, text, where, m.group("from"), false);
            int to = m.group("to") == null ? 24 * 60 : minute(key, text, where, m.group("to"), true);
            if (from == to) {
                throw ConfigException.of(key, text, where + "the window " + m.group("from") + "-" + m.group("to")
                        + " is empty; write 00:00-24:00 for the whole day");
            }
            entries.add(new Entry(days, from, to, rate));
        }
        return new BandwidthSchedule(trimmed, entries, otherwise == null ? 0 : otherwise);
    }

    /**
     * One rate ({@code 2Mbit}, {@code 256KiB}; {@code off} = 0, no limit), as the {@code bandwidth} command takes it.
     *
     * @throws ConfigException naming what is wrong, under {@code key}
     */
    public static long parseRate(String key, String rate) {
        try {
            return rate(key, rate, "", rate.trim());
        } catch (ConfigException e) {
            // the same problem without the schedule's syntax, which a single rate does not take
            throw ConfigException.of(key, rate, e.problems().getFirst().replace("; " + ALLOWED, "")
                    .replaceFirst("^.*? is not valid; ", "") + "; allowed: a rate such as 2Mbit, 512kbit or 256KiB,"
                    + " or off");
        }
    }

    private static long rate(String key, String text, String where, String rate) {
        if (rate.equalsIgnoreCase("off")) {
            return 0;
        }
        Matcher m = RATE.matcher(rate);
        if (!m.matches()) {
            throw ConfigException.of(key, text, where + "'" + rate + "' is not a rate; " + ALLOWED);
        }
        String unit = m.group("unit");
        double per = switch (unit.toLowerCase(Locale.ROOT)) {
            case "kbit", "kbps" -> 1e3 / 8;
            case "mbit", "mbps" -> 1e6 / 8;
            case "gbit", "gbps" -> 1e9 / 8;
            case "kib" -> 1024;
            case "mib" -> 1 << 20;
            case "gib" -> 1 << 30;
            case "kb", "mb", "gb" -> {
                if (!unit.endsWith("B")) {
                    throw ConfigException.of(key, text, where + "'" + rate + "' is ambiguous: write "
                            + unit.charAt(0) + "bit for bits or " + unit.charAt(0) + "B for bytes per second");
                }
                yield switch (unit.toLowerCase(Locale.ROOT)) {
                    case "kb" -> 1e3;
                    case "mb" -> 1e6;
                    default -> 1e9;
                };
            }
            default -> throw ConfigException.of(key, text, where + "'" + unit + "' is not a unit; " + ALLOWED);
        };
        double bytes = new BigDecimal(m.group("n")).doubleValue() * per;
        if (bytes < MIN_BYTES_PER_SECOND) {
            throw ConfigException.of(key, text, where + rate + " is below the slowest limit taken, 8kbit (1000 bytes"
                    + " a second); to stop transfers use the pause command");
        }
        if (bytes > 1e11) {
            throw ConfigException.of(key, text, where + rate + " is more than any link carries; write 'off' for no"
                    + " limit");
        }
        return Math.round(bytes);
    }

    private static int days(String key, String text, String where, String days) {
        String[] range = days.split("-");
        int first = day(key, text, where, range[0]);
        int last = range.length == 1 ? first : day(key, text, where, range[1]);
        int bits = 0;
        for (int d = first; ; d = (d + 1) % 7) {
            bits |= 1 << d;
            if (d == last) {
                return bits;
            }
        }
    }

    private static int day(String key, String text, String where, String name) {
        for (DayOfWeek d : DayOfWeek.values()) {
            String full = d.getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            if (name.equalsIgnoreCase(full) || name.equalsIgnoreCase(full.substring(0, 3))) {
                return d.getValue() - 1;
            }
        }
        throw ConfigException.of(key, text, where + "'" + name + "' is not a day; write Mon, Tue, Wed, Thu, Fri, Sat"
                + " or Sun, or a range such as Mon-Fri");
    }

    private static int minute(String key, String text, String where, String hhmm, boolean end) {
        String[] hm = hhmm.split(":");
        int h = Integer.parseInt(hm[0]);
        int m = Integer.parseInt(hm[1]);
        if (h > 24 || m > 59 || h == 24 && (m != 0 || !end)) {
            throw ConfigException.of(key, text, where + "'" + hhmm + "' is not a time of day (00:00-23:59; 24:00 only"
                    + " as an end)");
        }
        return h * 60 + m;
    }

    /** Whether this ever limits anything. */
    public boolean limits() {
        return otherwise > 0 || entries.stream().anyMatch(e -> e.bytesPerSecond() > 0);
    }

    /** The limit at local time {@code t}, in bytes a second; 0 = no limit. */
    public long rateAt(ZonedDateTime t) {
        for (Entry e : entries) {
            if (e.matches(t)) {
                return e.bytesPerSecond();
            }
        }
        return otherwise;
    }

    /** When the limit next changes after {@code t} (within a week), if it ever does. */
    public Optional<ZonedDateTime> nextChange(ZonedDateTime t) {
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        long now = rateAt(t);
        TreeSet<ZonedDateTime> switches = new TreeSet<>();
        for (int day = 0; day <= 8; day++) {
            LocalDate date = t.toLocalDate().plusDays(day);
            switches.add(date.atStartOfDay(t.getZone()));
            for (Entry e : entries) {
                for (int minute : new int[] {e.from(), e.to() % (24 * 60)}) {
                    switches.add(ZonedDateTime.of(date, LocalTime.of(minute / 60, minute % 60), t.getZone()));
                }
            }
        }
        return switches.tailSet(t, false).stream().filter(s -> rateAt(s) != now).findFirst();
    }

    /** A rate as the status shows it: {@code 2 Mbit/s}, {@code 512 kbit/s}, {@code off}. */
    public static String show(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            return "off";
        }
        double bits = bytesPerSecond * 8.0;
        String[] units = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s"};
        int u = 0;
        while (bits >= 1000 && u < units.length - 1) {
            bits /= 1000;
            u++;
        }
        return (bits == Math.rint(bits) ? String.valueOf((long) bits) : String.format(Locale.ROOT, "%.2f", bits))
                + " " + units[u];
    }

    @Override
    public String toString() {
        return text;
    }
}
