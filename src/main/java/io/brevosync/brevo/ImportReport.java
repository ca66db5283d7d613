package io.brevosync.brevo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One CSV report of a completed import (one kind of problem), read leniently, since Brevo documents none of its
 * columns: {@code ;} or {@code ,} as the header line has more of, header names in any case, quoted fields as RFC 4180
 * quotes them. The identifier columns (EMAIL, SMS, EXT_ID, CONTACT_ID, WHATSAPP, LANDLINE_NUMBER) say which row a line
 * is about; the rest is Brevo's reason: the columns named like one (error, reason, message…), else every other
 * non-empty column as NAME=value.
 */
public final class ImportReport {

    public static final Set<String> IDENTIFIERS = Set.of("EMAIL", "SMS", "EXT_ID", "CONTACT_ID", "WHATSAPP", "LANDLINE_NUMBER");
    private static final List<String> REASON_WORDS = List.of("ERROR", "REASON", "MESSAGE", "DESCRIPTION", "CAUSE", "COMMENT");
    private static final int MAX_REASON = 300;

    /** A line: the identifiers it names (upper-case column → value, empty ones left out) and Brevo's reason, if any. */
    public record Line(Map<String, String> identifiers, String reason) {
    }

    private ImportReport() {
    }

    /** The lines of a report; a text with no identifier column in its first line is not one. */
    public static List<Line> parse(String text) throws ReportLinks.Unreadable {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        int end = body.indexOf('\n');
        String first = end < 0 ? body : body.substring(0, end);
        char delimiter = count(first, ';') >= count(first, ',') ? ';' : ',';
        List<List<String>> records = records(body, delimiter);
        if (records.isEmpty()) {
            throw new ReportLinks.Unreadable("the report is empty");
        }
        List<String> header = records.get(0).stream().map(h -> h.trim().toUpperCase(Locale.ROOT)).toList();
        if (header.stream().noneMatch(IDENTIFIERS::contains)) {
            // (what it begins with is not shown: it may be a customer's data)
            throw new ReportLinks.Unreadable("the report is not CSV with an identifier column (EMAIL, SMS, EXT_ID…) in its first line");
        }
        boolean named = header.stream().anyMatch(ImportReport::isReason);
        List<Line> lines = new ArrayList<>(records.size() - 1);
        for (List<String> record : records.subList(1, records.size())) {
            Map<String, String> identifiers = new LinkedHashMap<>();
            StringJoiner reason = new StringJoiner("; ");
            for (int i = 0; i < header.size() && i < record.size(); i++) {
                String column = header.get(i);
                String value = record.get(i).trim();
                if (value.isEmpty()) {
                    continue;
                }
                if (IDENTIFIERS.contains(column)) {
                    identifiers.put(column, value);
                } else if (!named || isReason(column)) {
                    reason.add(named ? value : column + "=" + value);
                }
            }
            if (!identifiers.isEmpty()) {
                String why = reason.toString();
                lines.add(new Line(identifiers, why.isEmpty() ? null : why.length() > MAX_REASON ? why.substring(0, MAX_REASON) + "…" : why));
            }
        }
        return lines;
    }

    private static boolean isReason(String column) {
        return REASON_WORDS.stream().anyMatch(column::contains);
    }

    private static int count(String text, char c) {
        return (int) text.chars().filter(ch -> ch == c).count();
    }

    /** RFC 4180 records: quoted fields may hold the delimiter, doubled quotes and line breaks; blank lines are skipped. */
    private static List<List<String>> records(String text, char delimiter) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.isEmpty()) {
                quoted = true;
            } else if (c == delimiter) {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                end(records, record, field);
                record = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        end(records, record, field);
        return records;
    }

    private static void end(List<List<String>> records, List<String> record, StringBuilder field) {
        record.add(field.toString());
        field.setLength(0);
        if (!(record.size() == 1 && record.get(0).isBlank())) {
            records.add(record);
        }
    }
}
