package io.brevosync.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The CSV reports a completed import links to, as Brevo serves them since 2026-04: {@code ;}-separated with a header
 * row, one line per row concerned with the identifiers and attributes it was sent with and a column saying why (ERROR).
 * A link is absolute, needs no API key (like a pre-signed link) and expires (then 404). Settings, through
 * PUT /sandbox/reports: {@code form} links (today's Brevo) or counters (the integer counts Brevo answered before),
 * {@code ttlSeconds}, and {@code fault}: none, or the next reports' links unreachable, expired or not CSV, or their
 * lines naming rows by EXT_ID only (unnamed).
 */
public final class ImportReports {

    /** What the next report links do instead of serving their report (UNNAMED: lines that name their row by EXT_ID only). */
    public enum Fault { NONE, UNREACHABLE, EXPIRED, MALFORMED, UNNAMED }

    static final String PATH = "/reports/";

    private record Report(byte[] csv, Instant expires, boolean malformed) {
    }

    private final Map<String, Report> reports = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Supplier<String> origin;
    private volatile boolean linksForm = true;
    private volatile Duration ttl = Duration.ofHours(1);
    private volatile Fault fault = Fault.NONE;

    ImportReports(Clock clock, Supplier<String> origin) {
        this.clock = clock;
        this.origin = origin;
    }

    boolean linksForm() {
        return linksForm;
    }

    /** true: links to CSV reports (Brevo since 2026-04); false: the older integer counters. */
    public ImportReports linksForm(boolean value) {
        linksForm = value;
        return this;
    }

    public ImportReports ttl(Duration value) {
        ttl = value;
        return this;
    }

    public ImportReports fault(Fault value) {
        fault = value;
        return this;
    }

    /** Makes the report of these lines and answers its link. */
    String publish(List<Map<String, Object>> lines) {
        String token = UUID.randomUUID().toString();
        reports.values().removeIf(report -> !clock.instant().isBefore(report.expires()));
        Fault now = fault;
        if (now == Fault.UNREACHABLE) {
            // a port nothing listens on: the link cannot be fetched at all
            return "http://localhost:1" + PATH + token + ".csv";
        }
        Instant expires = now == Fault.EXPIRED ? clock.instant().minusSeconds(1) : clock.instant().plus(ttl);
        String csv = now == Fault.UNNAMED ? csv(lines.stream().map(line -> Map.<String, Object>of("EXT_ID", "ext-" + line.get("EMAIL"), "ERROR",
                String.valueOf(line.get("ERROR")))).toList()) : csv(lines);
        reports.put(token, new Report(csv.getBytes(StandardCharsets.UTF_8), expires, now == Fault.MALFORMED));
        return origin.get() + PATH + token + ".csv";
    }

    /** What GET /reports/{token}.csv answers: its body and content type. */
    record Served(byte[] body, String contentType) {
    }

    /** GET /reports/{token}.csv: the report (an HTML page where it is to be malformed), or null once expired or unknown (404). */
    Served serve(String path) {
        String token = path.substring(PATH.length()).replaceAll("\\.csv$", "");
        Report report = reports.get(token);
        if (report == null || !clock.instant().isBefore(report.expires())) {
            reports.remove(token);
            return null;
        }
        return report.malformed() ? new Served("<html><body>Service temporarily unavailable</body></html>".getBytes(StandardCharsets.UTF_8),
                "text/html; charset=utf-8") : new Served(report.csv(), "text/csv; charset=utf-8");
    }

    public void clear() {
        reports.clear();
        linksForm = true;
        ttl = Duration.ofHours(1);
        fault = Fault.NONE;
    }

    /** Applies the fields present in a PUT /sandbox/reports body. */
    void update(JsonNode json) {
        String form = json.path("form").asText(linksForm ? "links" : "counters");
        if (!form.equals("links") && !form.equals("counters")) {
            throw new IllegalArgumentException("form is links or counters, got " + form);
        }
        linksForm = form.equals("links");
        ttl = Duration.ofSeconds(json.path("ttlSeconds").asLong(ttl.toSeconds()));
        fault = Fault.valueOf(json.path("fault").asText(fault.name()).toUpperCase());
    }

    Map<String, Object> toJson() {
        return Map.of("form", linksForm ? "links" : "counters", "ttlSeconds", ttl.toSeconds(), "fault", fault.name().toLowerCase(), "reports", reports.size());
    }

    /** The lines as CSV: the union of their columns in order of first use, ERROR last; fields quoted where they need it. */
    static String csv(List<Map<String, Object>> lines) {
        Set<String> columns = new LinkedHashSet<>();
        lines.forEach(line -> line.keySet().stream().filter(c -> !c.equals("ERROR")).forEach(columns::add));
        columns.add("ERROR");
        StringBuilder out = new StringBuilder(String.join(";", columns)).append('\n');
        for (Map<String, Object> line : lines) {
            java.util.StringJoiner row = new java.util.StringJoiner(";");
            for (String column : columns) {
                Object value = line.get(column);
                String text = value == null ? "" : value instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : value.toString();
                row.add(needsQuotes(text) ? '"' + text.replace("\"", "\"\"") + '"' : text);
            }
            out.append(row).append('\n');
        }
        return out.toString();
    }

    /**
     * A field with the delimiter, a quote or a line break is quoted. A scan: String.matches per field (a pattern
     * compiled each time) made the reports of a messy 1,000,000 export take seconds to answer.
     */
    private static boolean needsQuotes(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ';' || c == '"' || c == '\n' || c == '\r') {
                return true;
            }
        }
        return false;
    }
}
