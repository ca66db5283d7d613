package io.brevosync.export;

import java.util.List;
import java.util.Map;

/**
 * One export as declared in a file of the exports directory: which segments go to which Brevo list through which connection,
 * how profile columns map to Brevo attributes, and when it runs.
 *
 * @param source where its rows come from: a query over the customer's tables, on which database, with which key
 * @param mapping Brevo attribute name to the column of the export's query that feeds it, and its type; EMAIL is always present
 * @param exitPolicy what happens to a profile that leaves the segments: remove (unlink from the list), keep, or move
 *     (unlink, and link to exitListId)
 * @param maxRemovalPercent the brake: a run that would unlink more than this share of the list waits for confirmation
 * @param quality how messy values are normalised, checked and reported
 * @param reconcile what reconciling the list does with members this export never added: report, or strict (unlink)
 * @param reconcileCron the schedule of reconciling runs, or empty
 */
public record ExportDefinition(String id, String connection, long listId, List<String> segments, Map<String, MappedAttribute> mapping,
        String cron, String timeZone, boolean enabled, ExportSource source, int batchMaxRows, int batchMaxBytes, String exitPolicy, long exitListId,
        double maxRemovalPercent, DataQuality quality, String alerts, String reconcile, String reconcileCron) {

    public static final String REMOVE = "remove";
    public static final String KEEP = "keep";
    public static final String MOVE = "move";
    /** reconcile: members this export never added are reported (report) or unlinked too (strict) */
    public static final String REPORT = "report";
    public static final String STRICT = "strict";

    public boolean reconcileStrict() {
        return reconcile.equals(STRICT);
    }

    /** Bumped when the mapping code changes what it sends, so every profile is sent again once. */
    private static final String MAPPING_VERSION = "2";

    /** The SQL of its query, as written. */
    public String query() {
        return source.query();
    }

    /** The same export with its rows read from elsewhere (Staging: the server's copy of a remote source's rows). */
    public ExportDefinition readingFrom(ExportSource other) {
        return new ExportDefinition(id, connection, listId, segments, mapping, cron, timeZone, enabled, other, batchMaxRows, batchMaxBytes, exitPolicy,
                exitListId, maxRemovalPercent, quality, alerts, reconcile, reconcileCron);
    }

    public String emailColumn() {
        return mapping.get("EMAIL").column();
    }

    /** What the sync state's hashes depend on besides the rows: a new list, mapping or rule sends every profile again. */
    public String fingerprint() {
        return MAPPING_VERSION + "|" + listId + "|" + mapping + "|" + quality.payloadRules() + "|";
    }

    /** What GET /api/exports shows: everything but the query text. */
    public Map<String, Object> summary() {
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("exportId", id);
        summary.put("connection", connection);
        summary.put("listId", listId);
        summary.put("segments", segments);
        summary.put("source", source.name().isEmpty() ? "database" : source.name());
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        mapping.forEach((attribute, mapped) -> columns.put(attribute, mapped.toString()));
        summary.put("mapping", columns);
        summary.put("cron", cron);
        summary.put("timeZone", timeZone);
        summary.put("enabled", enabled);
        summary.put("batchMaxRows", batchMaxRows);
        summary.put("batchMaxBytes", batchMaxBytes);
        summary.put("exitPolicy", exitPolicy);
        if (exitPolicy.equals(MOVE)) {
            summary.put("exitListId", exitListId);
        }
        summary.put("maxRemovalPercent", maxRemovalPercent);
        summary.put("consent", quality.consentPolicy());
        summary.put("quality", quality);
        summary.put("reconcile", reconcile);
        if (!reconcileCron.isEmpty()) {
            summary.put("reconcileCron", reconcileCron);
        }
        return summary;
    }
}
