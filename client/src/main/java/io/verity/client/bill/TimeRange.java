package io.verity.client.bill;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time range of a bill, [from, to] inclusive, as {@code verity bill --from/--to} and the explorer's
 * {@code ?from=&to=} write it: an ISO-8601 instant ({@code 2026-12-07T10:00:00Z}), a date (its start, UTC),
 * {@code now}, or an age before now ({@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}).
 */
public record TimeRange(Instant from, Instant to) {
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");

    public TimeRange {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }

    /**
     * @param from {@code --from} as written, null for {@code fromDefault}
     * @param to {@code --to} as written, null for now
     * @param names how the two are called in the message, e.g. {@code "--from"} and {@code "--to"}
     * @throws IllegalArgumentException naming the flag or parameter that is malformed, or both when from is after to
     */
    public static TimeRange parse(String from, String to, String fromDefault, Instant now, String fromName, String toName) {
        now = now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // receipts carry milliseconds
        Instant f = instant(from == null ? fromDefault : from, now, fromName);
        Instant t = to == null ? now : instant(to, now, toName);
        if (f.isAfter(t)) throw new BadTime(fromName, fromName + " " + f + " is after " + toName + " " + t);
        return new TimeRange(f, t);
    }

    /** A malformed time, or a range that ends before it starts; {@link #name} is the flag or parameter to blame. */
    public static final class BadTime extends IllegalArgumentException {
        public final String name;

        BadTime(String name, String message) {
            super(message);
            this.name = name;
        }
    }

    static Instant instant(String v, Instant now, String name) {
        String s = v.strip();
        if (s.equals("now")) return now;
        Matcher age = AGE.matcher(s);
        if (age.matches()) {
            long n = Long.parseLong(age.group(1));
            Duration d = switch (age.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d).isBefore(Instant.EPOCH) ? Instant.EPOCH : now.minus(d);
        }
        try {
            return s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new BadTime(name, name + ": expected an ISO-8601 time (2026-12-07T10:00:00Z), a date (2026-12-07),"
                    + " now, or an age such as 30m, 24h or 7d; got '" + v + "'");
        }
    }

    public boolean contains(Instant at) {
        return !at.isBefore(from) && !at.isAfter(to);
    }
}
