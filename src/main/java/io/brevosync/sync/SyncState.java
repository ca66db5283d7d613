package io.brevosync.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.brevosync.db.Jdbc;
import io.brevosync.db.Sources;
import io.brevosync.export.ExportDefinition;

/**
 * What each export has delivered per profile (table sync_state), kept in step with Brevo's answers: a completed import
 * records its rows' address and hash, a failed one counts a failure against the row as it is now, an unlink takes
 * the address off. Everything is set-based SQL over the batch arrays of export_batch.
 */
public final class SyncState {

    private final Jdbc db;
    private final Sources sources;

    /** @param sources where each export's query is run to learn its columns */
    public SyncState(Jdbc db, Sources sources) {
        this.db = db;
        this.sources = sources;
    }

    /**
     * Rows in the state (for the unchanged count) and addresses in the list (for the removal brake), as the triggers of
     * V14__sync_state_counts.sql count them: none counted, none there.
     */
    public long[] counts(String exportId) throws SQLException {
        return db.queryOne("select rows, members from sync_state_count where export_id = ?", exportId)
                .map(row -> new long[] {((Number) row.get("rows")).longValue(), ((Number) row.get("members")).longValue()}).orElse(new long[] {0, 0});
    }

    /** What the export's query returns, as a run needs it: whether its rows hash by value, and its profile_id's type name. */
    public record Columns(boolean byValue, String profileIdType, List<String> names) {
    }

    /**
     * Whether the export's rows are hashed by value ({@link SyncQuery#byValue}) and the type of its profile_id: asked
     * each time its query is read (a plan, no row), as the tables under the query may change between runs.
     */
    public Columns columns(ExportDefinition export) throws SQLException {
        SyncQuery.Statement query = SyncQuery.columns(export);
        try (Connection c = sources.reader(export.source()).getConnection();
                PreparedStatement s = Jdbc.prepare(c, query.sql(), query.parameters().toArray()); ResultSet rs = s.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> types = new ArrayList<>();
            List<String> names = new ArrayList<>();
            String profileIdType = "";
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                types.add(meta.getColumnTypeName(i));
                names.add(meta.getColumnLabel(i));
                profileIdType = meta.getColumnLabel(i).equalsIgnoreCase("profile_id") ? meta.getColumnTypeName(i) : profileIdType;
            }
            c.rollback();
            // hash_record_extended came with PostgreSQL 14
            return new Columns(c.getMetaData().getDatabaseMajorVersion() >= 14 && SyncQuery.byValue(types), profileIdType, names);
        }
    }

    /** The addresses the export owes an unlink (pending_unlink), for the dry run. */
    public List<String> owed(String exportId) throws SQLException {
        return db.query("select email from pending_unlink where export_id = ?", exportId).stream().map(r -> (String) r.get("email")).toList();
    }

    /**
     * Brevo has the batch: each profile's address and hash are now what the list holds. likelyNew: the export had no
     * sync state when the run began, so the rows are first tried with a plain insert (~40 % cheaper than the upsert
     * in PostgreSQL: no speculative insertion per row); the primary key proves each row new, and a row already there
     * makes the statement fail whole and the upsert do the batch instead.
     */
    public void delivered(String exportId, long runId, int batchNo, boolean likelyNew) throws SQLException {
        // an address owed an unlink that is a profile's address in the list again is no longer owed
        db.update("""
                delete from pending_unlink p using export_batch b
                where b.run_id = ? and b.batch_no = ? and p.export_id = ? and p.email = any(b.emails)""", runId, batchNo, exportId);
        if (likelyNew && insertedAsNew(exportId, runId, batchNo)) {
            return;
        }
        try {
            db.update(DELIVERED.formatted("") + UPDATE_DELIVERED, exportId, runId, batchNo);
        } catch (SQLException e) {
            if (!CARDINALITY_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            // the export's query returned a profile twice: once each (sorting every batch for it cost ~15 % of this statement)
            db.update(DELIVERED.formatted("distinct on (u.p)") + UPDATE_DELIVERED, exportId, runId, batchNo);
        }
    }

    private boolean insertedAsNew(String exportId, long runId, int batchNo) throws SQLException {
        try {
            db.update(DELIVERED.formatted(""), exportId, runId, batchNo);
            return true;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            return false;
        }
    }

    /** ON CONFLICT DO UPDATE met a row twice in one statement. */
    private static final String CARDINALITY_VIOLATION = "21000";
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String DELIVERED = """
            insert into sync_state (export_id, profile_id, email, hash)
            select %s ?, u.p, u.e, u.h from export_batch b, unnest(b.profile_ids, b.emails, b.hashes) as u(p, e, h)
            where b.run_id = ? and b.batch_no = ? and u.h is not null""";
    private static final String UPDATE_DELIVERED = """

            on conflict (export_id, profile_id) do update set email = excluded.email, hash = excluded.hash, failures = 0,
                failed_hash = null, last_error = null, refused = null, updated_at = now()""";

    /** The batch failed: one more failure for each row as it is now (a row that changed since starts again at 1). */
    public void failed(String exportId, long runId, int batchNo, String reason) throws SQLException {
        db.update("""
                insert into sync_state (export_id, profile_id, failures, failed_hash, last_error)
                select distinct on (u.p) ?, u.p, 1, u.h, ? from export_batch b, unnest(b.profile_ids, b.hashes) as u(p, h)
                where b.run_id = ? and b.batch_no = ?
                on conflict (export_id, profile_id) do update set
                    failures = case when sync_state.failed_hash = excluded.failed_hash then sync_state.failures + 1 else 1 end,
                    failed_hash = excluded.failed_hash, last_error = excluded.last_error, updated_at = now()""", exportId, reason, runId, batchNo);
    }

    /**
     * Brevo's import report refused these profiles' rows as they are (their hashes): none is delivered, and none is sent
     * again until it changes (RowMapper rejects it again with the reason). The address the list holds for a profile, if
     * any, stays, so it can still be unlinked.
     */
    public void refused(String exportId, String[] profileIds, Long[] hashes, String[] reasons) throws SQLException {
        db.update("""
                insert into sync_state (export_id, profile_id, failed_hash, refused, last_error)
                select distinct on (u.p) ?, u.p, u.h, u.r, u.r from unnest(?::text[], ?::bigint[], ?::text[]) as u (p, h, r)
                on conflict (export_id, profile_id) do update set hash = null, failed_hash = excluded.failed_hash, refused = excluded.refused,
                    last_error = excluded.last_error, updated_at = now()""", exportId, profileIds, hashes, reasons);
    }

    /** Brevo refused the profile's SMS number (another contact has it): left out of its rows until it changes. */
    public void smsConflict(String exportId, String profileId, String number) throws SQLException {
        smsConflicts(exportId, new String[] {profileId}, new String[] {number});
    }

    /** The same for many profiles (their numbers, in order), in one statement. */
    public void smsConflicts(String exportId, String[] profileIds, String[] numbers) throws SQLException {
        if (profileIds.length > 0) {
            db.update("""
                    insert into sync_state (export_id, profile_id, sms_conflict) select distinct on (u.p) ?, u.p, u.n from unnest(?::text[], ?::text[]) as u (p, n)
                    on conflict (export_id, profile_id) do update set sms_conflict = excluded.sms_conflict, updated_at = now()""", exportId, profileIds, numbers);
        }
    }

    /** These profiles are sent again by the next run, whatever their hash says. */
    public void resend(String exportId, List<String> profileIds) throws SQLException {
        if (!profileIds.isEmpty()) {
            db.update("update sync_state set hash = null, updated_at = now() where export_id = ? and profile_id = any(?)", exportId, profileIds.toArray());
        }
    }

    /** The rows of this batch are sent again by the next run (what Brevo made of them could not be learnt). */
    public void resendBatch(String exportId, long runId, int batchNo) throws SQLException {
        db.update("update sync_state s set hash = null, updated_at = now() from export_batch b where b.run_id = ? and b.batch_no = ? and s.export_id = ? "
                + "and s.profile_id = any(b.profile_ids)", runId, batchNo, exportId);
    }

    /** Profiles that left without anything of them in the list. */
    public void forget(String exportId, List<String> profileIds) throws SQLException {
        if (!profileIds.isEmpty()) {
            db.update("delete from sync_state where export_id = ? and profile_id = any(?)", exportId, profileIds.toArray());
        }
    }

    /**
     * The run's unlinks are done (removed, moved, kept or found not in the list): a profile that left is forgotten;
     * an old address of a profile that stays is no longer its address in the list, nor owed (pending_unlink); an
     * owed unlink that failed again counts the attempt.
     */
    public void unlinked(String exportId, long runId) throws SQLException {
        db.update("""
                delete from sync_state s using export_row r
                where r.run_id = ? and r.action = 'remove' and r.outcome in ('removed', 'moved', 'kept')
                  and s.export_id = ? and s.profile_id = r.profile_id""", runId, exportId);
        db.update("""
                update sync_state s set email = null, hash = null, updated_at = now() from export_row r
                where r.run_id = ? and r.action = 'unlink' and r.outcome in ('removed', 'moved', 'kept')
                  and s.export_id = ? and s.profile_id = r.profile_id and s.email = r.email""", runId, exportId);
        db.update("""
                delete from pending_unlink p using export_row r
                where r.run_id = ? and r.action in ('remove', 'unlink') and r.outcome in ('removed', 'moved', 'kept')
                  and p.export_id = ? and p.email = r.email""", runId, exportId);
        db.update("""
                update pending_unlink p set attempts = p.attempts + 1, last_error = r.reason from export_row r
                where r.run_id = ? and r.action = 'unlink' and r.outcome = 'failed' and p.export_id = ? and p.email = r.email""", runId, exportId);
    }
}
