package io.brevosync.brevo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brevo's answers as records, read from the JSON brevo-call leaves in the body (a Map): the one place that knows their
 * shapes, so the run engine reads typed values.
 */
public final class BrevoAnswers {

    /**
     * A process of GET /v3/processes[/{id}]: its status and, for a completed import, what Brevo did not take, per kind
     * of problem ({@link #PROBLEMS}): since 2026-04 a link to a CSV report of the rows concerned ({@code reports}), before
     * that a count ({@code counts}). An older Brevo also gave an error text; today's gives none.
     */
    public record Process(long id, String status, String error, Map<String, Integer> counts, Map<String, String> reports) {

        /** A process that will not change any more: any status but those of a process still under way. */
        public boolean ended() {
            return !RUNNING.contains(status);
        }

        public boolean completed() {
            return status.equals("completed");
        }

        /** Brevo's count of a kind of problem (the older form; 0 when it gave none). */
        public int count(String kind) {
            return counts.getOrDefault(kind, 0);
        }
    }

    /** The statuses of a process still under way (GetProcessResponse.Status of @getbrevo/brevo 6.0.3). */
    public static final Set<String> RUNNING = Set.of("queued", "in_process", "processing");
    /** The statuses Brevo documents for a process that ended; any other also ends it, unsuccessfully. */
    public static final Set<String> DOCUMENTED_ENDS = Set.of("completed", "failed", "cancelled");
    /** The kinds of problem a completed import reports (info.import), in Brevo's order. */
    public static final List<String> PROBLEMS = List.of("invalid_emails", "duplicate_contact_id", "duplicate_ext_id", "duplicate_email_id",
            "duplicate_phone_id", "duplicate_whatsapp_id", "duplicate_landline_number_id");

    /** Not a Brevo status: ours for a process Brevo answers 404 for (it lost it, and the import with it). */
    public static final String LOST = "lost";

    /** A contact of a list page (GET /v3/contacts/lists/{id}/contacts): its email (lower case) and SMS, if any. */
    public record Contact(String email, String sms) {
    }

    /** One page of a list's contacts, and how many the list has in all (Brevo's count, or -1 when it gives none). */
    public record ContactPage(List<Contact> contacts, long count) {
    }

    private BrevoAnswers() {
    }

    /** GET /v3/contacts/lists/{id}/contacts. */
    public static ContactPage contacts(Map<?, ?> answer) {
        List<?> items = answer.get("contacts") instanceof List<?> l ? l : List.of();
        return new ContactPage(items.stream().map(item -> contact((Map<?, ?>) item)).toList(), answer.get("count") instanceof Number n ? n.longValue() : -1);
    }

    /** GET /v3/contacts/{identifier}, or an item of a page of contacts. */
    public static Contact contact(Map<?, ?> contact) {
        Object sms = contact.get("attributes") instanceof Map<?, ?> attributes ? attributes.get("SMS") : null;
        return new Contact(String.valueOf(contact.get("email")).toLowerCase(), sms == null ? null : sms.toString());
    }

    /** The processId of an accepted POST /v3/contacts/import (202). */
    public static long importProcessId(Map<?, ?> answer) {
        return ((Number) answer.get("processId")).longValue();
    }

    /** The processes of a GET /v3/processes page, or the one of GET /v3/processes/{id}. */
    public static List<Process> processes(Map<?, ?> answer) {
        // a page without processes may leave the list out
        List<?> items = answer.get("processes") instanceof List<?> page ? page : answer.containsKey("id") ? List.of(answer) : List.of();
        return items.stream().map(item -> process((Map<?, ?>) item)).toList();
    }

    /** Either form of info.import: a number is a count, a text a report link, null (or absent) nothing to report. */
    private static Process process(Map<?, ?> p) {
        Map<?, ?> problems = p.get("info") instanceof Map<?, ?> info && info.get("import") instanceof Map<?, ?> m ? m : Map.of();
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, String> reports = new LinkedHashMap<>();
        for (String kind : PROBLEMS) {
            Object value = problems.get(kind);
            if (value instanceof Number n && n.intValue() > 0) {
                counts.put(kind, n.intValue());
            } else if (value instanceof String link && !link.isBlank()) {
                reports.put(kind, link.trim());
            }
        }
        return new Process(((Number) p.get("id")).longValue(), String.valueOf(p.get("status")), p.get("error") instanceof String e ? e : null, counts, reports);
    }

    /** The addresses a list add or remove (POST …/contacts/add|remove) applied to: contacts.success. */
    public static List<?> listChanged(Map<?, ?> answer) {
        Object contacts = answer == null ? null : answer.containsKey("contacts") ? answer.get("contacts") : answer;
        return contacts instanceof Map<?, ?> c && c.get("success") instanceof List<?> l ? l : List.of();
    }

    /** The answer a list add or remove that changed nothing stands for (Brevo's 400 "already in list and/or does not exist"). */
    public static Map<String, Object> nothingChanged() {
        return Map.of("contacts", Map.of("success", List.of(), "failure", List.of()));
    }

    /** GET /v3/contacts/attributes: each attribute's name (upper case) and type. */
    public static Map<String, String> attributeTypes(Map<?, ?> answer) {
        Map<String, String> types = new LinkedHashMap<>();
        if (answer.get("attributes") instanceof List<?> attributes) {
            for (Object item : attributes) {
                Map<?, ?> attribute = (Map<?, ?>) item;
                types.put(String.valueOf(attribute.get("name")).toUpperCase(), String.valueOf(attribute.get("type")));
            }
        }
        return types;
    }
}
