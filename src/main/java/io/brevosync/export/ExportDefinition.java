package io.brevosync.export;

import java.util.List;
import java.util.Map;

/**
 * One export as declared in routes/exports.camel.yaml: which segments go to which Brevo list through which connection,
 * how profile columns map to Brevo attributes, and when it runs.
 *
 * @param mapping Brevo attribute name to the column of the export's query that feeds it; EMAIL is always present
 */
public record ExportDefinition(String id, String connection, long listId, List<String> segments, Map<String, String> mapping,
        String cron, boolean enabled, String query, int batchMaxRows, int batchMaxBytes) {

    public String emailColumn() {
        return mapping.get("EMAIL");
    }

    /** What GET /api/exports shows: everything but the query text. */
    public Map<String, Object> summary() {
        return Map.of("exportId", id, "connection", connection, "listId", listId, "segments", segments, "mapping", mapping,
                "cron", cron, "enabled", enabled);
    }
}
