package io.brevosync.run;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportRow;

/**
 * The run ledger in PostgreSQL: runs with their status and counts, batches with the Brevo process that carried them
 * (and the profiles in them), and every row that was not simply delivered: rejected, failed, dead, and each removal
 * from the list with its outcome.
 */
public final class RunLedger {

    /** Active statuses (queued, running) are unique per Brevo list of a connection: a database lock, not a JVM lock. */
    private static final String QUEUED = RunStatus.QUEUED.code();
    private static final String RUNNING = RunStatus.RUNNING.code();
    private static final String INTERRUPTED = RunStatus.INTERRUPTED.code();
    private static final String NEEDS_CONFIRMATION = RunStatus.NEEDS_CONFIRMATION.code();

    /** Row outcomes. */
    static final String PENDING = "pending";

    private static final String RUN_COLUMNS = "id, export_id, trigger, status, full_resync, created_at, started_at, finished_at, rows_read, "
            + "rows_added, rows_updated, rows_unchanged, rows_removed, rows_rejected, rows_without_consent, rows_adjusted, rows_failed, rows_dead, rows_sent, rows_delivered, "
            + "members_before, batches, batches_failed, invalid_emails, duplicates, canceled, failure, message";
    private static final String ROW_COLUMNS = "profile_id, email, action, outcome, code, reason, attempts, created_at";

    private final Jdbc db;

    public RunLedger(Jdbc db) {
        this.db = db;
    }

    javax.sql.DataSource dataSource() {
        return db.dataSource();
    }

    /** Inserts a run; answers its id, or null when its list already has an active run (the unique index refused it). */
    Long create(String exportId, String connection, long listId, String trigger, boolean fullResync) throws SQLException {
        try {
            return db.number("insert into export_run (export_id, connection, list_id, trigger, status, full_resync) values (?, ?, ?, ?, ?, ?) "
                    + "returning id", exportId, connection, listId, trigger, QUEUED, fullResync);
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return null;
            }
            throw e;
        }
    }

    /** The active run writing the list, as "run 7 of export newsletter". */
    String activeRun(String connection, long listId) throws SQLException {
        return db.queryOne("select id, export_id from export_run where connection = ? and list_id = ? and status in ('queued', 'running')",
                connection, listId).map(r -> "run " + r.get("id") + " of export '" + r.get("exportId") + "'").orElse("a run that has just ended");
    }

    List<Long> activeRuns() throws SQLException {
        return db.query("select id from export_run where status in ('queued', 'running')").stream().map(r -> ((Number) r.get("id")).longValue()).toList();
    }

    /** A run a crashed or killed server left active can never finish: closed, so its list can be written again. */
    void interrupted(long runId) throws SQLException {
        db.update("update export_run set status = ?, finished_at = now(), message = 'the server stopped during the run; "
                + "the next run sends what it had not delivered' where id = ? and status in ('queued', 'running')", INTERRUPTED, runId);
    }

    void started(long runId) throws SQLException {
        db.update("update export_run set status = ?, started_at = now() where id = ?", RUNNING, runId);
    }

    void membersBefore(long runId, long members) throws SQLException {
        db.update("update export_run set members_before = ? where id = ?", members, runId);
    }

    /** Imports that interrupted runs of the export sent but never saw end: to look up before sending anything again. */
    List<Map<String, Object>> unconfirmedImports(String exportId) throws SQLException {
        return db.query("""
                select b.run_id, b.batch_no, b.process_id from export_batch b join export_run r on r.id = b.run_id
                where r.export_id = ? and r.status = ? and b.status = 'queued' and b.process_id is not null order by b.run_id, b.batch_no""",
                exportId, INTERRUPTED);
    }

    /** A newer run recomputes the removals: an older run's unconfirmed ones are void. */
    int supersede(String exportId, long runId) throws SQLException {
        db.update("""
                update export_row set outcome = 'superseded', reason = 'run ' || ? || ' recomputed the removals'
                where outcome = 'pending' and run_id in (select id from export_run where export_id = ? and status = ? and id < ?)""",
                runId, exportId, NEEDS_CONFIRMATION, runId);
        return db.update("update export_run set status = 'superseded', message = 'removals not confirmed; run ' || ? || ' replaced them' "
                + "where export_id = ? and status = ? and id < ?", runId, exportId, NEEDS_CONFIRMATION, runId);
    }

    /**
     * Rows not sent (rejected, no_consent, dead) with their outcome, rows sent with a note (adjusted), and (unless told
     * not to) the addresses to unlink as pending removals.
     */
    void recordRows(long runId, List<ExportRow> rows, boolean unlinks) throws SQLException {
        try (Connection c = db.dataSource().getConnection();
                PreparedStatement s = c.prepareStatement("insert into export_row (run_id, profile_id, email, action, outcome, reason) values (?, ?, ?, ?, ?, ?)")) {
            for (ExportRow row : rows) {
                if (row.outcome() != null) {
                    add(s, runId, row.profileId(), row.email(), row.action(), row.outcome(), row.reason());
                } else if (row.note() != null && unlinks) {
                    add(s, runId, row.profileId(), row.email(), row.action(), ExportRow.ADJUSTED, row.note());
                }
                if (unlinks && row.unlinks()) {
                    add(s, runId, row.profileId(), row.unlinkEmail(), row.action().equals(ExportRow.REMOVE) ? ExportRow.REMOVE : ExportRow.UNLINK, PENDING, null);
                }
            }
            s.executeBatch();
        }
    }

    /** One row's outcome, found after its batch was recorded (code: Brevo's, or ours; reason and code may be null). */
    void rowOutcome(long runId, String profileId, String email, String action, String outcome, String code, String reason) throws SQLException {
        db.update("insert into export_row (run_id, profile_id, email, action, outcome, code, reason) values (?, ?, ?, ?, ?, ?, ?)", runId, profileId,
                email, action, outcome, code, reason);
    }

    /** The rows of the given batches that carried an SMS number, with when their batch was recorded. */
    List<Map<String, Object>> batchPhones(long runId, List<Integer> batchNos) throws SQLException {
        return db.query("""
                select u.p as profile_id, u.e as email, u.ph as phone, b.created_at from export_batch b,
                  unnest(b.profile_ids, b.emails, b.phones) as u(p, e, ph)
                where b.run_id = ? and b.batch_no = any(?::int[]) and u.ph is not null""", runId, batchNos.stream().map(String::valueOf).toArray());
    }

    private static void add(PreparedStatement s, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            s.setObject(i + 1, values[i]);
        }
        s.addBatch();
    }

    void batch(long runId, int batchNo, List<ExportRow> rows, int bytes, Long processId, String status, String error) throws SQLException {
        db.update("insert into export_batch (run_id, batch_no, row_count, bytes, process_id, status, error, adds, profile_ids, emails, actions, "
                + "hashes, phones) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", runId, batchNo, rows.size(), bytes, processId, status, error,
                (int) rows.stream().filter(r -> r.action().equals(ExportRow.ADD)).count(),
                rows.stream().map(ExportRow::profileId).toArray(), rows.stream().map(ExportRow::email).toArray(),
                rows.stream().map(ExportRow::action).toArray(), rows.stream().map(ExportRow::hash).toArray(Long[]::new),
                rows.stream().map(ExportRow::phone).toArray(String[]::new));
    }

    /** Records how a Brevo import process ended; answers the batch it carried (null if not this run's). */
    Integer processEnded(long runId, long processId, String status, String error, int invalidEmails, int duplicates) throws SQLException {
        var batch = db.queryOne("update export_batch set status = ?, error = ? where run_id = ? and process_id = ? returning batch_no", status, error,
                runId, processId);
        db.update("update export_run set invalid_emails = invalid_emails + ?, duplicates = duplicates + ? where id = ?", invalidEmails, duplicates, runId);
        return batch.map(b -> ((Number) b.get("batchNo")).intValue()).orElse(null);
    }

    /**
     * Every row of a batch that did not reach Brevo (failed, or rejected by Brevo), with the reason and its attempts
     * so far; permanent when Brevo refused it for good.
     */
    void batchFailed(long runId, String exportId, int batchNo, String outcome, String code, String reason, boolean permanent) throws SQLException {
        db.update("""
                insert into export_row (run_id, profile_id, email, action, outcome, code, reason, attempts, permanent)
                select b.run_id, u.p, u.e, u.a, ?, ?, ?, coalesce(s.failures, 1), ?
                from export_batch b cross join unnest(b.profile_ids, b.emails, b.actions) as u(p, e, a)
                left join sync_state s on s.export_id = ? and s.profile_id = u.p
                where b.run_id = ? and b.batch_no = ?""", outcome, code, reason, permanent, exportId, runId, batchNo);
    }

    /** The rows of the run's failed import processes, about to be sent again: no longer counted as failed. */
    List<String> retryFailedImports(long runId) throws SQLException {
        return db.query("update export_row set outcome = 'retried' where run_id = ? and outcome = 'failed' and code = any(?::text[]) "
                + "returning profile_id", runId, ImportTracker.PROCESS_FAILURES.toArray()).stream().map(r -> (String) r.get("profileId")).toList();
    }

    // ---- removals ----

    /**
     * Never unlinks an address that is still in the list through another profile of the export (two profiles swapped
     * or shared an address): such removals are kept, with the reason.
     */
    void guardRemovals(long runId, String exportId) throws SQLException {
        db.update("""
                update export_row r set outcome = 'kept', reason = 'the address is still in the segment through profile ' || s.profile_id
                from sync_state s
                where r.run_id = ? and r.outcome = 'pending' and s.export_id = ? and s.email = r.email and s.hash is not null
                  and s.profile_id <> r.profile_id
                  and not exists (select 1 from export_row o where o.run_id = r.run_id and o.action = 'remove' and o.profile_id = s.profile_id)""",
                runId, exportId);
    }

    long pendingRemovals(long runId) throws SQLException {
        return db.number("select count(*) from export_row where run_id = ? and outcome = 'pending'", runId);
    }

    /** The next pending removals after the given row id: keyset paging, so a million removals never sit in memory. */
    List<Map<String, Object>> pendingRemovals(long runId, long afterId, int limit) throws SQLException {
        return db.query("select id, email from export_row where run_id = ? and outcome = 'pending' and id > ? order by id limit ?", runId, afterId, limit);
    }

    void removalOutcome(long runId, List<Long> rowIds, String outcome, String code, String reason) throws SQLException {
        if (!rowIds.isEmpty()) {
            db.update("update export_row set outcome = ?, code = ?, reason = ?, attempts = attempts + 1 where run_id = ? and id = any(?::bigint[])",
                    outcome, code, reason, runId, rowIds.stream().map(String::valueOf).toArray());
        }
    }

    void note(long runId, String message) throws SQLException {
        db.update("update export_run set message = ? where id = ?", message, runId);
    }

    /** The exit policy keeps them, or a confirmation was discarded: every pending removal gets that outcome. */
    void settleRemovals(long runId, String outcome, String reason) throws SQLException {
        db.update("update export_row set outcome = ?, reason = ? where run_id = ? and outcome = 'pending'", outcome, reason, runId);
    }

    /** Asks an active run to stop after its batch in flight; false if it is not active. */
    boolean requestCancel(long runId) throws SQLException {
        return db.update("update export_run set cancel_requested = true where id = ? and status in ('queued', 'running')", runId) == 1;
    }

    boolean cancelRequested(long runId) throws SQLException {
        return db.number("select count(*) from export_run where id = ? and cancel_requested", runId) > 0;
    }

    /** The brake: the run is finished except for its removals, which wait for a decision. */
    void needsConfirmation(long runId, String message) throws SQLException {
        db.update("update export_run set status = ?, message = ? where id = ?", NEEDS_CONFIRMATION, message, runId);
    }

    /** Takes up a braked run again to carry out or discard its removals; false if another run is active (unique index). */
    boolean resume(long runId) throws SQLException {
        try {
            return db.update("update export_run set status = ?, message = null where id = ? and status = ?", RUNNING, runId, NEEDS_CONFIRMATION) == 1;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    // ---- closing ----

    /**
     * Closes the run: counts come from the batches and rows recorded, the status ({@link RunStatus#of}) from them, from
     * whether it was canceled and from why it failed, if it did.
     */
    Map<String, Object> finish(long runId, long rowsRead, long unchanged, boolean canceled, String failure, String message) throws SQLException {
        db.update("""
                update export_run r set
                    rows_read = ?, rows_unchanged = ?, canceled = ?, failure = ?,
                    rows_sent = coalesce((select sum(row_count) from export_batch b where b.run_id = r.id and b.process_id is not null), 0),
                    rows_delivered = coalesce((select sum(row_count) from export_batch b where b.run_id = r.id and b.status = 'completed'), 0),
                    rows_added = coalesce((select sum(adds) from export_batch b where b.run_id = r.id and b.status = 'completed'), 0),
                    rows_updated = coalesce((select sum(row_count - adds) from export_batch b where b.run_id = r.id and b.status = 'completed'), 0),
                    rows_removed = (select count(*) from export_row w where w.run_id = r.id and w.outcome in ('removed', 'moved') and w.action = 'remove'),
                    rows_rejected = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'rejected'),
                    rows_without_consent = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'no_consent'),
                    rows_adjusted = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'adjusted'),
                    rows_failed = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'failed'),
                    rows_dead = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'dead'),
                    batches = (select count(*) from export_batch b where b.run_id = r.id),
                    batches_failed = (select count(*) from export_batch b where b.run_id = r.id and b.status <> 'completed'),
                    message = coalesce(?, message),
                    finished_at = now()
                where id = ?""", rowsRead, unchanged, canceled, failure, message, runId);
        Map<String, Object> r = db.queryOne("""
                select status, canceled, failure, rows_read, rows_delivered, rows_unchanged, rows_rejected, rows_without_consent, rows_failed, rows_dead,
                       (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'failed' and w.permanent) as refused
                from export_run r where id = ?""", runId).orElseThrow();
        if (!NEEDS_CONFIRMATION.equals(r.get("status"))) {
            RunStatus status = RunStatus.of(new RunStatus.Outcome((Boolean) r.get("canceled"), (String) r.get("failure"), count(r, "refused"),
                    count(r, "rowsRead"), count(r, "rowsDelivered"), count(r, "rowsUnchanged"), count(r, "rowsRejected"), count(r, "rowsWithoutConsent"),
                    count(r, "rowsFailed"), count(r, "rowsDead")));
            db.update("update export_run set status = ? where id = ?", status.code(), runId);
        }
        return run(runId);
    }

    private static long count(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).longValue();
    }

    /** Closes a braked run again once its removals are decided; its row counts, cancellation and failure stay those of the run. */
    Map<String, Object> refinish(long runId) throws SQLException {
        Map<String, Object> run = db.queryOne("select rows_read, rows_unchanged, canceled, failure from export_run where id = ?", runId).orElseThrow();
        return finish(runId, count(run, "rowsRead"), count(run, "rowsUnchanged"), (Boolean) run.get("canceled"), (String) run.get("failure"), null);
    }

    Map<String, Object> run(long runId) throws SQLException {
        return db.queryOne("select " + RUN_COLUMNS + " from export_run where id = ?", runId).orElse(null);
    }

    List<Map<String, Object>> runs(String exportId, int limit) throws SQLException {
        return db.query("select " + RUN_COLUMNS + " from export_run where export_id = ? order by id desc limit ?", exportId, limit);
    }

    Long latestRun(String exportId) throws SQLException {
        return db.queryOne("select max(id) as id from export_run where export_id = ? and status <> 'skipped'", exportId)
                .map(r -> r.get("id") == null ? null : ((Number) r.get("id")).longValue()).orElse(null);
    }

    /**
     * A run's rows by outcome, paged: the rows recorded one by one, and the delivered ones (outcome added or updated),
     * read out of the batches that carried them.
     */
    List<Map<String, Object>> rows(long runId, List<String> outcomes, int limit, long offset) throws SQLException {
        return db.query("""
                select %1$s from (
                  select %1$s, id as seq from export_row where run_id = ?
                  union all
                  select u.p, u.e, u.a, case u.a when 'add' then 'added' else 'updated' end, null, null, 1, b.created_at,
                         -(b.batch_no::bigint * 1000000 + u.n)
                  from export_batch b, unnest(b.profile_ids, b.emails, b.actions) with ordinality as u(p, e, a, n)
                  where b.run_id = ? and b.status = 'completed'
                ) r where cardinality(?::text[]) = 0 or r.outcome = any(?::text[])
                order by r.outcome, r.seq limit ? offset ?""".formatted(ROW_COLUMNS), runId, runId, outcomes.toArray(),
                outcomes.toArray(), limit, offset);
    }

    void skipped(String exportId, String trigger, String message) throws SQLException {
        db.update("insert into export_run (export_id, trigger, status, finished_at, message) values (?, ?, ?, now(), ?)", exportId, trigger,
                RunStatus.SKIPPED.code(), message);
    }

    /** Retention: finished runs older than the given days go, with their batches and rows; the sync state stays. */
    int deleteOlderThan(int days) throws SQLException {
        return db.update("delete from export_run where finished_at < now() - make_interval(days => ?) and status not in ('queued', 'running', ?)",
                days, NEEDS_CONFIRMATION);
    }
}
