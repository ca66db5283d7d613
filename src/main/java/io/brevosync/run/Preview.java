package io.brevosync.run;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.Refusal;
import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.ExportRow;
import io.brevosync.export.ImportBatch;
import io.brevosync.export.Normalise;
import io.brevosync.export.PhoneOwners;
import io.brevosync.export.RowMapper;
import io.brevosync.sync.Staging;
import io.brevosync.sync.SyncQuery;
import io.brevosync.sync.SyncRows;
import io.brevosync.sync.SyncState;
import org.apache.camel.Header;

/**
 * What a run would do, without writing to Brevo: the dry run reads and maps every changed row exactly as a run does
 * (same query, same mapper) and counts; the profile preview shows the exact import item of one profile. Neither calls
 * Brevo, so an SMS number Brevo holds on another contact only shows in a real run.
 */
public final class Preview {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SAMPLE = 100;

    private final ExportRegistry exports;
    private final RowMapper mapper;
    private final SyncState sync;
    private final DataSource rows;
    private final SyncQuery queries;
    private final Staging staging;

    /** @param rows the export reads' connections on the server's database (an export on another is previewed on a copy of its rows) */
    public Preview(ExportRegistry exports, RowMapper mapper, SyncState sync, DataSource rows, SyncQuery queries, Staging staging) {
        this.exports = exports;
        this.mapper = mapper;
        this.sync = sync;
        this.rows = rows;
        this.queries = queries;
        this.staging = staging;
    }

    /** POST /api/exports/{id}/dry-run: the counts a run started now would report, a sample of each kind, and whether the brake would stop it. */
    public Map<String, Object> dryRun(@Header("exportId") String exportId, @Header("sample") String sampleSize) throws Exception {
        int sample = sample(sampleSize);
        return onRows(exportId, export -> dryRun(export, sample));
    }

    /** Work on an export's rows: on a copy of them, made for it, when the export reads another database. */
    private interface OnRows<T> {
        T apply(ExportDefinition export) throws Exception;
    }

    private <T> T onRows(String exportId, OnRows<T> work) throws Exception {
        ExportDefinition export = staging.stage(exports.get(exportId), "preview");
        try {
            return work.apply(export);
        } finally {
            staging.discard(export, "preview");
        }
    }

    private Map<String, Object> dryRun(ExportDefinition export, int sample) throws Exception {
        long[] state = sync.counts(export.id());
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String kind : List.of("rowsRead", "rowsAdded", "rowsUpdated", "rowsUnchanged", "rowsRemoved", "rowsRejected", "rowsWithoutConsent",
                "rowsAdjusted", "rowsDead", "addressesUnlinked", "unlinksOwed")) {
            counts.put(kind, 0L);
        }
        Map<String, List<Map<String, Object>>> samples = new LinkedHashMap<>();
        long[] known = {0};
        java.util.Set<String> unlinking = new java.util.HashSet<>();
        PhoneOwners owners = new PhoneOwners();
        forEachRow(queries.of(export, false, new String[0], sync.columns(export)), row -> {
            ExportRow mapped = map(row, export, owners);
            known[0] += mapped.known() ? 1 : 0;
            String kind = kind(mapped, export);
            if (mapped.inSegment()) {
                counts.merge("rowsRead", 1L, Long::sum);
            }
            if (kind != null) {
                counts.merge(kind, 1L, Long::sum);
                sample(samples, kind, mapped, sample);
            }
            if (mapped.isSent() && mapped.note() != null) {
                counts.merge("rowsAdjusted", 1L, Long::sum);
                sample(samples, "rowsAdjusted", mapped, sample);
            }
            if (mapped.unlinks() && !mapped.action().equals(ExportRow.REMOVE)) {
                counts.merge("addressesUnlinked", 1L, Long::sum);
            }
            if (mapped.unlinks()) {
                unlinking.add(mapped.unlinkEmail());
            }
        });
        // what earlier runs owe besides: the run unlinks those too (pending_unlink)
        counts.put("unlinksOwed", sync.owed(export.id()).stream().filter(email -> !unlinking.contains(email)).count());
        counts.put("rowsUnchanged", state[0] - known[0]);
        counts.merge("rowsRead", state[0] - known[0], Long::sum);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("exportId", export.id());
        answer.put("listId", export.listId());
        answer.put("counts", counts);
        answer.put("brake", brake(export, counts.get("rowsRemoved") + counts.get("addressesUnlinked") + counts.get("unlinksOwed"), counts.get("rowsRead"),
                state[1]));
        answer.put("samples", samples);
        answer.put("note", "nothing was sent; SMS numbers that Brevo holds on other contacts are only found by a real run");
        return answer;
    }

    /** ?sample=: rows shown per kind, 5 unless given, at most 100. */
    private static int sample(String value) {
        if (value == null || value.isBlank()) {
            return 5;
        }
        try {
            int sample = Integer.parseInt(value.trim());
            if (sample >= 0 && sample <= MAX_SAMPLE) {
                return sample;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Refusal.Invalid("sample must be a whole number from 0 to " + MAX_SAMPLE + ", got '" + value + "'");
    }

    /** GET /api/exports/{id}/profiles/{profile}: what a run would send for the profile (by id, or by email), and why. */
    public Map<String, Object> profile(@Header("exportId") String exportId, @Header("profile") String profile) throws Exception {
        return onRows(exportId, export -> profile(export, profile));
    }

    private Map<String, Object> profile(ExportDefinition export, String profile) throws Exception {
        List<Map<String, Object>> found = rows(export, profileIds(export, profile), profile);
        List<Map<String, Object>> answers = new ArrayList<>();
        for (Map<String, Object> row : found) {
            ExportRow mapped = map(row, export, null);
            boolean unchanged = row.get(SyncQuery.HASH) != null && row.get(SyncQuery.HASH).equals(row.get(SyncQuery.ROW_HASH));
            Map<String, Object> answer = describe(mapped);
            answer.put("action", !mapped.inSegment() ? mapped.action() : mapped.isSent() ? (unchanged ? "unchanged" : mapped.action()) : "none");
            if (mapped.isSent()) {
                answer.put("request", JSON.readTree(request(mapped, export)));
            }
            answers.add(answer);
        }
        return Map.of("exportId", export.id(), "profiles", answers, "send",
                "POST /api/exports/" + export.id() + "/profiles/" + profile + "/send sends it now, and only it");
    }

    /**
     * The profile ids a path segment names (itself if it is not an email, else the export's profiles with that email),
     * for a run of them: 404 when the export has nothing to do with any of them (no run is started).
     */
    public String[] profileIds(@Header("exportId") String exportId, @Header("profile") String profile) throws Exception {
        return onRows(exportId, export -> {
            String[] ids = profileIds(export, profile);
            rows(export, ids, profile);
            return ids;
        });
    }

    /** The export's rows of these profiles: in its segments, or in its list; 404 when there are none. */
    private List<Map<String, Object>> rows(ExportDefinition export, String[] ids, String profile) throws SQLException {
        List<Map<String, Object>> found = new ArrayList<>();
        forEachRow(queries.of(export, true, ids, sync.columns(export)), found::add);
        if (found.isEmpty()) {
            throw new Refusal.NotFound("profile '" + profile + "' is not in the segments " + export.segments() + " of export '" + export.id()
                    + "' and has nothing in its list");
        }
        return found;
    }

    private String[] profileIds(ExportDefinition export, String profile) throws SQLException {
        if (!profile.contains("@")) {
            return new String[] {profile};
        }
        List<String> ids = new ArrayList<>();
        forEachRow(SyncQuery.profilesWithEmail(export, Normalise.emailKey(profile)), row -> ids.add(String.valueOf(row.get("profile_id"))));
        if (ids.isEmpty()) {
            throw new Refusal.NotFound("no profile of export '" + export.id() + "' has the email '" + profile + "'");
        }
        return ids.toArray(new String[0]);
    }

    private ExportRow map(Map<String, Object> row, ExportDefinition export, PhoneOwners owners) {
        return mapper.map(row, export, false, owners, null);
    }

    /** The count a row adds to, as a run would record it. */
    private static String kind(ExportRow row, ExportDefinition export) {
        if (!row.inSegment()) {
            return row.action().equals(ExportRow.REMOVE) && !export.exitPolicy().equals(ExportDefinition.KEEP) ? "rowsRemoved" : null;
        }
        if (row.isSent()) {
            return row.action().equals(ExportRow.ADD) ? "rowsAdded" : "rowsUpdated";
        }
        return switch (row.outcome()) {
            case ExportRow.REJECTED -> "rowsRejected";
            case ExportRow.NO_CONSENT -> "rowsWithoutConsent";
            default -> "rowsDead";
        };
    }

    private static void sample(Map<String, List<Map<String, Object>>> samples, String kind, ExportRow row, int size) {
        List<Map<String, Object>> list = samples.computeIfAbsent(kind, k -> new ArrayList<>());
        if (list.size() < size) {
            list.add(describe(row));
        }
    }

    private static Map<String, Object> describe(ExportRow row) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("profileId", row.profileId());
        out.put("email", row.inSegment() ? row.email() : row.unlinkEmail());
        if (row.outcome() != null) {
            out.put("outcome", row.outcome());
            out.put("reason", row.reason());
        }
        if (row.note() != null) {
            out.put("note", row.note());
        }
        if (row.unlinks() && row.inSegment()) {
            out.put("unlinks", row.unlinkEmail());
        }
        if (row.isSent()) {
            try {
                out.put("payload", JSON.readTree(row.json()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** The one-row import request a send of this profile makes. */
    private static byte[] request(ExportRow row, ExportDefinition export) {
        return ImportBatch.of(row, export).importRequest(export.listId(), export.quality().sendBlanks());
    }

    /** Whether a run would stop before removing, as RunRemovals.removalsAllowed decides (nothing to unlink, or keep: it does not). */
    private static Map<String, Object> brake(ExportDefinition export, long unlinks, long rowsRead, long members) {
        double percent = members == 0 ? (unlinks > 0 ? 100 : 0) : 100.0 * unlinks / members;
        boolean stops = unlinks > 0 && !export.exitPolicy().equals(ExportDefinition.KEEP) && RunRemovals.brake(export, unlinks, rowsRead, members) != null;
        return Map.of("wouldStop", stops, "removalPercent", Math.round(percent * 10) / 10.0, "maxRemovalPercent", export.maxRemovalPercent());
    }

    /** Streams the statement's rows as a run reads them (SyncRows), on the export pool (autocommit off, fetch size). */
    private void forEachRow(SyncQuery.Statement statement, Consumer<Map<String, Object>> handler) throws SQLException {
        try (Connection c = rows.getConnection(); PreparedStatement s = Jdbc.prepare(c, statement.sql(), statement.parameters().toArray())) {
            try (ResultSet rs = s.executeQuery()) {
                SyncRows.Columns columns = new SyncRows.Columns();
                while (rs.next()) {
                    handler.accept(columns.row(rs, rs.getRow()));
                }
            } finally {
                c.rollback();
            }
        }
    }
}
