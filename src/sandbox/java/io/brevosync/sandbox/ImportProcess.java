package io.brevosync.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A background process (IMPORTUSER): queued, in_process, processing, then completed, failed or cancelled. A completed
 * import says what it did not take as Brevo does since 2026-04: {@code info.import} holds, per kind of problem, a link
 * to a CSV report or null (or, in the older form, a count). No error, created_at or completed_at: Brevo returns none.
 */
final class ImportProcess {

    /** The kinds of problem a completed import reports, in Brevo's order (GetProcessResponse.Info.Import). */
    static final List<String> PROBLEMS = List.of("invalid_emails", "duplicate_contact_id", "duplicate_ext_id", "duplicate_email_id",
            "duplicate_phone_id", "duplicate_whatsapp_id", "duplicate_landline_number_id");

    final long id;
    final String name;
    /** When Brevo received and ended the import: the sandbox's own inspection (GET /sandbox/accounts/{name}/processes), never in /v3 */
    final Instant receivedAt;
    volatile Instant endedAt;
    volatile String status = "queued";
    /** The rows each kind of problem concerns, as they were sent, with Brevo's reason (column ERROR). */
    private final Map<String, List<Map<String, Object>>> problems = new LinkedHashMap<>();
    /** The report links once made, so every answer about the process gives the same ones. */
    private Map<String, Object> links;

    ImportProcess(long id, String name, Instant receivedAt) {
        this.id = id;
        this.name = name;
        this.receivedAt = receivedAt;
    }

    /** The process as the sandbox's inspection shows it: with when it was received and ended. */
    Map<String, Object> inspection() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("name", name);
        json.put("status", status);
        json.put("receivedAt", receivedAt.toString());
        json.put("endedAt", endedAt == null ? null : endedAt.toString());
        return json;
    }

    /** A row of the import Brevo did not take as it was sent, and why. */
    synchronized void problem(String kind, String email, Map<String, Object> attributes, String reason) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("EMAIL", email);
        line.putAll(attributes);
        line.put("ERROR", reason);
        problems.computeIfAbsent(kind, k -> new ArrayList<>()).add(line);
    }

    synchronized Map<String, Object> toJson(ImportReports reports) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("name", name);
        json.put("status", status);
        if ("IMPORTUSER".equals(name) && "completed".equals(status)) {
            Map<String, Object> info = new LinkedHashMap<>();
            if (reports.linksForm() && links == null) {
                links = new LinkedHashMap<>();
                PROBLEMS.forEach(kind -> links.put(kind, problems.containsKey(kind) ? reports.publish(problems.get(kind)) : null));
            }
            PROBLEMS.forEach(kind -> info.put(kind, reports.linksForm() ? links.get(kind) : problems.getOrDefault(kind, List.of()).size()));
            json.put("info", Map.of("import", info));
        }
        return json;
    }
}
