package io.brevosync.run;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import io.brevosync.db.Jdbc;

/**
 * The run ledger in PostgreSQL: runs with their status and counts; their batches and rows are in {@link RowLedger}.
 */
public final class RunLedger {

    /** Active statuses (queued, running) are unique per Brevo list of a connection: a database lock, not a JVM lock. */
    private static final String QUEUED = RunStatus.QUEUED.code();
    private static final String RUNNING = RunStatus.RUNNING.code();
    private static final String INTERRUPTED = RunStatus.INTERRUPTED.code();
    private static final String NEEDS_CONFIRMATION = RunStatus.NEEDS_CONFIRMATION.code();

    private static final String RUN_COLUMNS = "id, export_id, trigger, started_by, status, full_resync, created_at, started_at, finished_at, rows_read, "
            + "rows_added, rows_updated, rows_unchanged, rows_removed, rows_rejected, rows_without_consent, rows_adjusted, rows_failed, rows_dead, rows_sent, rows_delivered, "
            + "rows_unlinked, unlinks_owed, node, list_members, drift_missing, drift_owed, drift_foreign, members_before, profiles_compared, feed, consent, batches, batches_failed, invalid_emails, duplicates, canceled, failure, message, warnings";

    private final Jdbc db;
    private final RowLedger rows;
    /** This server's name in the runs it opens (server.node) */
    private final String node;

    public RunLedger(Jdbc db, String node) {
        this.db = db;
        this.rows = new RowLedger(db);
        this.node = node;
    }

    /** The batches and rows of the runs. */
    RowLedger rows() {
        return rows;
    }

    /** Inserts a run; answers its id, or null when its list already has an active run (the unique index refused it). */
    Long create(String exportId, String connection, long listId, String trigger, String startedBy, boolean fullResync) throws SQLException {
        try {
            return db.number("insert into export_run (export_id, connection, list_id, trigger, started_by, status, full_resync, node) "
                    + "values (?, ?, ?, ?, ?, ?, ?, ?) returning id", exportId, connection, listId, trigger, startedBy, QUEUED, fullResync, node);
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return null;
            }
            throw e;
        }
    }

    /** How many rows the export's last finished run of the same kind (full or not) read: the next one's expected total. */
    long lastRowsRead(String exportId, boolean fullResync) throws SQLException {
        return db.number("select rows_read from export_run where export_id = ? and full_resync = ? and finished_at is not null and rows_read > 0 "
                + "order by id desc limit 1", exportId, fullResync);
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

    /** The run runs, under this consent policy (the export's as it is now: recorded with the run, it stays as it was). */
    void started(long runId, String consent) throws SQLException {
        db.update("update export_run set status = ?, started_at = now(), consent = ? where id = ?", RUNNING, consent, runId);
    }

    void membersBefore(long runId, long members) throws SQLException {
        db.update("update export_run set members_before = ? where id = ?", members, runId);
    }

    /** The profiles the run compares, when the change feed named them (null: every profile). */
    void compared(long runId, Long profiles, String feed) throws SQLException {
        db.update("update export_run set profiles_compared = ?::bigint, feed = ? where id = ?", profiles, feed, runId);
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

    // ---- removals ----

    void note(long runId, String message) throws SQLException {
        db.update("update export_run set message = ? where id = ?", message, runId);
    }

    /** Asks an active run to stop after its batch in flight; false if it is not active. */
    /** The active runs of a connection stop after their batch in flight (its consent withdrawn, or it was disabled). */
    public void cancelActive(String connection, String reason) throws SQLException {
        int runs = db.update("update export_run set cancel_requested = true, cancel_reason = ? where connection = ? and status in ('queued', 'running')",
                reason, connection);
        if (runs > 0) {
            org.slf4j.LoggerFactory.getLogger(RunLedger.class).warn("{}: {} active runs stop after their batch in flight", reason, runs);
        }
    }

    boolean requestCancel(long runId, String reason) throws SQLException {
        return db.update("update export_run set cancel_requested = true, cancel_reason = ? where id = ? and status in ('queued', 'running')", reason, runId) == 1;
    }

    /** Why the run was canceled: "through the API by vera", "connection 'eu' disabled by adam". */
    String cancelReason(long runId) throws SQLException {
        return db.queryOne("select cancel_reason from export_run where id = ?", runId).map(r -> (String) r.get("cancelReason")).orElse(null);
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
    Map<String, Object> finish(long runId, long rowsRead, long unchanged, boolean canceled, String failure, boolean retryable, String message)
            throws SQLException {
        db.update("""
                update export_run r set
                    rows_read = ?, rows_unchanged = ?, canceled = ?, failure = ?, failure_retryable = ?,
                    rows_sent = coalesce((select sum(row_count) from export_batch b where b.run_id = r.id and b.process_id is not null), 0),
                    rows_delivered = coalesce((select sum(row_count - refused) from export_batch b where b.run_id = r.id and b.status = 'completed'), 0),
                    rows_added = coalesce((select sum(adds - refused_adds) from export_batch b where b.run_id = r.id and b.status = 'completed'), 0),
                    rows_updated = coalesce((select sum(row_count - adds - refused + refused_adds) from export_batch b
                                             where b.run_id = r.id and b.status = 'completed'), 0),
                    rows_removed = (select count(*) from export_row w where w.run_id = r.id and w.outcome in ('removed', 'moved') and w.action = 'remove'),
                    rows_unlinked = (select count(*) from export_row w where w.run_id = r.id and w.outcome in ('removed', 'moved') and w.action = 'unlink'),
                    unlinks_owed = (select count(*) from pending_unlink p where p.export_id = r.export_id),
                    rows_rejected = x.rejected, rows_without_consent = x.no_consent,
                    rows_adjusted = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'adjusted'),
                    rows_failed = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'failed'),
                    rows_dead = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'dead'),
                    batches = (select count(*) from export_batch b where b.run_id = r.id),
                    batches_failed = (select count(*) from export_batch b where b.run_id = r.id and b.status <> 'completed'),
                    message = coalesce(?, message)
                from (select count(*) filter (where outcome = 'rejected') as rejected, count(*) filter (where outcome = 'no_consent') as no_consent
                      from run_rejections(?)) x -- its own and those standing for it (V15)
                where r.id = ?""", rowsRead, unchanged, canceled, failure, retryable, message, runId, runId);
        Map<String, Object> r = db.queryOne("""
                select status, canceled, failure, failure_retryable, rows_read, rows_delivered, rows_unchanged, rows_rejected, rows_without_consent, rows_failed, rows_dead,
                       (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'failed' and w.permanent) as refused
                from export_run r where id = ?""", runId).orElseThrow();
        // the status and finished_at together: a run is finished once both say so (POST …/runs?wait=true reads them)
        String status = NEEDS_CONFIRMATION.equals(r.get("status")) ? NEEDS_CONFIRMATION
                : RunStatus.of(new RunStatus.Outcome((Boolean) r.get("canceled"), (String) r.get("failure"), (Boolean) r.get("failureRetryable"), count(r, "refused"),
                        count(r, "rowsRead"), count(r, "rowsDelivered"), count(r, "rowsUnchanged"), count(r, "rowsRejected"), count(r, "rowsWithoutConsent"),
                        count(r, "rowsFailed"), count(r, "rowsDead"))).code();
        db.update("update export_run set status = ?, finished_at = now() where id = ?", status, runId);
        return run(runId);
    }

    /** Something the run could not learn from Brevo, for its report (warnings, joined by '; '). */
    void warn(long runId, String warning) throws SQLException {
        db.update("update export_run set warnings = coalesce(warnings || '; ', '') || ? where id = ?", warning, runId);
    }

    private static long count(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).longValue();
    }

    /** Closes a braked run again once its removals are decided; its row counts, cancellation and failure stay those of the run. */
    Map<String, Object> refinish(long runId) throws SQLException {
        Map<String, Object> run = db.queryOne("select rows_read, rows_unchanged, canceled, failure, failure_retryable from export_run where id = ?", runId)
                .orElseThrow();
        return finish(runId, count(run, "rowsRead"), count(run, "rowsUnchanged"), (Boolean) run.get("canceled"), (String) run.get("failure"),
                (Boolean) run.get("failureRetryable"), null);
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

    void skipped(String exportId, String trigger, String message) throws SQLException {
        db.update("insert into export_run (export_id, trigger, status, finished_at, message) values (?, ?, ?, now(), ?)", exportId, trigger,
                RunStatus.SKIPPED.code(), message);
    }

    /**
     * Retention: finished runs older than the given days go, with their batches and rows; the sync state stays, and so
     * does every run since where the rejections standing for a run that stays start (export_run.standing_from, V15).
     */
    int deleteOlderThan(int days) throws SQLException {
        // the batches go by their foreign key; the rows have none (V13), so they go in the same statement
        return (int) db.number("""
                with old as (select id, export_id from export_run where finished_at < now() - make_interval(days => ?) and status not in ('queued', 'running', ?)),
                gone as (delete from export_run r using old where r.id = old.id and not exists (
                    select 1 from export_run k where k.export_id = old.export_id and k.standing_from <= old.id and k.id > old.id
                      and k.id not in (select id from old)) returning r.id),
                gone_rows as (delete from export_row where run_id in (select id from gone))
                select count(*) from gone""", days, NEEDS_CONFIRMATION);
    }
}
