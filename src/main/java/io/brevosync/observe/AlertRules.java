package io.brevosync.observe;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * When an export's alerts fire: rejected or failed rows above a percentage of the rows read, a run longer than a
 * duration, a braked run waiting longer than a duration, no successful run for longer than a duration (a failed run
 * always alerts). An export's {@code alerts} parameter overrides the defaults of application.properties (alerts.*),
 * e.g. {@code rejectedPercent=5,runtime=30m,stale=26h}; {@code none} silences it.
 */
public record AlertRules(double rejectedPercent, Duration runtime, Duration brakeWait, Duration stale, boolean silenced) {

    /** The defaults with the export's overrides ("key=value,…" or "none"; empty: the defaults). */
    public AlertRules with(String overrides) {
        if (silences(overrides)) {
            return new AlertRules(rejectedPercent, runtime, brakeWait, stale, true);
        }
        Map<String, Object> values = parse(overrides);
        return new AlertRules((Double) values.getOrDefault("rejectedPercent", rejectedPercent), (Duration) values.getOrDefault("runtime", runtime),
                (Duration) values.getOrDefault("brakeWait", brakeWait), (Duration) values.getOrDefault("stale", stale), false);
    }

    /** Checks an export's alerts parameter as {@link #with} reads it (ExportParameters: a bad one is a misconfiguration). */
    public static void check(String overrides) {
        if (!silences(overrides)) {
            parse(overrides);
        }
    }

    private static boolean silences(String overrides) {
        return overrides != null && overrides.trim().equalsIgnoreCase("none");
    }

    /** The overrides by rule, each value checked; empty for none. */
    private static Map<String, Object> parse(String overrides) {
        Map<String, Object> values = new TreeMap<>();
        for (String pair : (overrides == null ? "" : overrides).split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("alerts: '" + pair.trim() + "' is not key=value (keys: rejectedPercent, runtime, brakeWait, stale; or none)");
            }
            String key = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            values.put(key, switch (key) {
                case "rejectedPercent" -> percent(value);
                case "runtime", "brakeWait", "stale" -> duration(key, value);
                default -> throw new IllegalArgumentException("alerts: unknown rule '" + key + "' (rejectedPercent, runtime, brakeWait, stale)");
            });
        }
        return values;
    }

    /** 90s, 30m, 26h, 2d, 500ms */
    public static Duration duration(String name, String value) {
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)").matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("alerts: " + name + " '" + value + "' is not a duration like 500ms, 90s, 30m, 26h or 2d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    public static double percent(String value) {
        try {
            double p = Double.parseDouble(value.trim());
            if (p >= 0 && p <= 100) {
                return p;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("alerts: rejectedPercent '" + value + "' is not a number from 0 to 100");
    }
}
