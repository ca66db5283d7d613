package io.brevosync.sandbox;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A background process (IMPORTUSER): queued, processing, completed, failed or cancelled. */
final class ImportProcess {

    final long id;
    final String name;
    final Instant createdAt;
    volatile String status = "queued";
    volatile String error;
    volatile Instant completedAt;
    final Map<String, Integer> counters = new LinkedHashMap<>();

    ImportProcess(long id, String name, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.createdAt = createdAt;
        for (String counter : new String[] {"invalid_emails", "duplicate_contact_id", "duplicate_ext_id", "duplicate_email_id",
                "duplicate_phone_id", "duplicate_whatsapp_id", "duplicate_landline_number_id"}) {
            counters.put(counter, 0);
        }
    }

    void count(String counter) {
        counters.merge(counter, 1, Integer::sum);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("name", name);
        json.put("status", status);
        if ("IMPORTUSER".equals(name) && "completed".equals(status)) {
            json.put("info", Map.of("import", new LinkedHashMap<>(counters)));
        }
        if (error != null) {
            json.put("error", error);
        }
        json.put("created_at", createdAt.toString());
        if (completedAt != null) {
            json.put("completed_at", completedAt.toString());
        }
        return json;
    }
}
