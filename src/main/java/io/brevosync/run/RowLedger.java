package io.brevosync.run;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportRow;

/**
 * The batches and rows of the run ledger: each batch with the Brevo process that carried it (and the profiles in it),
 * and every row that was not simply delivered: rejected, failed, dead, and each removal from the list with its outcome.
 */
final class RowLedger {

    /** Row outcomes. */
    static final String PENDING = "pending";
    private static final String ROW_COLUMNS = "profile_id, email, action, outcome, code, reason, attempts, created_at";

    private final Jdbc db;

    RowLedger(Jdbc db) {
        this.db = db;
    }

    /** Imports that interrupted runs of the export sent but never saw end: to look up before sending anything again. */
    List<Map<String, Object>> unconfirmedImports(String exportId) throws SQLException {
        return db.query("""
                select b.run_id, b.batch_no, b.process_id from export_batch b join export_run r on r.id = b.run_id
                where r.export_id = ? and r.status in (?, ?) and b.status = 'queued' and b.process_id is not null order by b.run_id, b.batch_no""",
                exportId, RunStatus.INTERRUPTED.code(), RunStatus.CANCELED.code());
    }

    /**
     * Rows not sent (rejected, no_consent, dead) with their outcome, rows sent with a note (adjusted), and (unless told
     * not to) the addresses to unlink as pending removals; an address that must leave the list although its profile
     * stays (an old address, no consent, a skipped conflict) is also owed (pending_unlink) until Brevo confirms it out,
     * whatever happens to this run. One statement per table over arrays, not one per row (170,000 rows took ~6 s of
     * PostgreSQL one by one).
     */
    void recordRows(long runId, String exportId, List<ExportRow> rows, boolean unlinks) throws SQLException {
        List<String[]> recorded = new ArrayList<>();
        List<String[]> owed = new ArrayList<>();
        for (ExportRow row : rows) {
            if (row.outcome() != null) {
                recorded.add(new String[] {row.profileId(), row.email(), row.action(), row.outcome(), row.reason(), String.valueOf(row.known())});
            } else if (row.note() != null && unlinks) {
                recorded.add(new String[] {row.profileId(), row.email(), row.action(), ExportRow.ADJUSTED, row.note(), String.valueOf(row.known())});
            }
            if (unlinks && row.unlinks()) {
                boolean leaves = row.action().equals(ExportRow.REMOVE);
                recorded.add(new String[] {row.profileId(), row.unlinkEmail(), leaves ? ExportRow.REMOVE : ExportRow.UNLINK, PENDING, null, "true"});
                if (!leaves) {
                    owed.add(new String[] {row.unlinkEmail(), row.profileId()});
                }
            }
        }
        if (!recorded.isEmpty()) {
            db.update("insert into export_row (run_id, profile_id, email, action, outcome, reason, in_state) select ?, u.p, u.e, u.a, u.o, u.r, u.s::boolean "
                    + "from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) as u (p, e, a, o, r, s)", runId, column(recorded, 0),
                    column(recorded, 1), column(recorded, 2), column(recorded, 3), column(recorded, 4), column(recorded, 5));
        }
        if (!owed.isEmpty()) {
            owe(runId, exportId, column(owed, 0), column(owed, 1));
        }
    }

    /**
     * The rejections (and rows without consent) of the last complete run, its own and those standing for it, stand for
     * this run too where this run did not read their profile again (V15, run_rejections): the run takes the last run's
     * chain and marks the rows of the profiles it read (those it was given, its rows, its batches) as read again; they
     * stay where they were recorded. Answers how many stand.
     */
    long standRejections(long runId, long lastRun, String[] compared) throws SQLException {
        db.update("update export_run n set standing_from = coalesce(l.standing_from, l.id) from export_run l where n.id = ? and l.id = ?", runId, lastRun);
        // each profile read looked up by export_row_rejection (run_id + 0: never by the chain's rows, which the planner
        // rates by statistics older than the run; planned as a join with what the run read, it ran for minutes)
        db.update("""
                update export_row w set read_again_by = ? where w.id = any(array(
                    select x.id from (select unnest(?::text[]) union select o.profile_id from export_row o where o.run_id = ? and o.profile_id is not null
                                      union select unnest(b.profile_ids) from export_batch b where b.run_id = ?) as r (p)
                    cross join lateral (select e.id from export_row e where e.profile_id = r.p and e.outcome in ('rejected', 'no_consent')
                        and e.run_id + 0 = any((select run_chain(?))::bigint[])
                        and (e.read_again_by is null or not exists (select 1 from export_run k where k.id = e.read_again_by and k.status like 'succeeded%'))
                        offset 0) x))""",
                runId, compared, runId, runId, runId);
        return db.number("select count(*) from run_rejections(?) where run_id <> ?", runId, runId);
    }

    /** These addresses (of these profiles) are owed an unlink since this run, unless already owed. */
    private void owe(long runId, String exportId, String[] emails, String[] profileIds) throws SQLException {
        db.update("insert into pending_unlink (export_id, email, profile_id, since_run) select ?, u.e, u.p, ? from unnest(?::text[], ?::text[]) as u(e, p) "
                + "on conflict do nothing", exportId, runId, emails, profileIds);
    }

    private static String[] column(List<String[]> rows, int index) {
        return rows.stream().map(row -> row[index]).toArray(String[]::new);
    }

    /**
     * Rows' outcomes, found after their batch was recorded: each {profile id, email, action, outcome, code, reason}
     * (code: Brevo's, or ours; reason and code may be null). One statement for them all (a report of 10,000 refused
     * numbers made 20,000 statements, 4.7 s of PostgreSQL, one by one).
     */
    void rowOutcomes(long runId, List<String[]> rows) throws SQLException {
        rowOutcomes(runId, rows, true);
    }

    /** inState false: the change feed need not compare the rows' profiles again (ChangeFeed), though they have a sync state. */
    private void rowOutcomes(long runId, List<String[]> rows, boolean inState) throws SQLException {
        if (!rows.isEmpty()) {
            db.update("insert into export_row (run_id, profile_id, email, action, outcome, code, reason, in_state) select ?, u.p, u.e, u.a, u.o, u.c, u.r, ? "
                    + "from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) as u (p, e, a, o, c, r)", runId, inState, column(rows, 0),
                    column(rows, 1), column(rows, 2), column(rows, 3), column(rows, 4), column(rows, 5));
        }
    }

    /** The addresses of profiles that stay must leave the list: pending unlinks of the run, owed until done; each {profile id, email}. */
    void unlinkLater(long runId, String exportId, List<String[]> profileEmails) throws SQLException {
        if (!profileEmails.isEmpty()) {
            rowOutcomes(runId, profileEmails.stream().map(r -> new String[] {r[0], r[1], ExportRow.UNLINK, PENDING, null, null}).toList());
            owe(runId, exportId, column(profileEmails, 1), column(profileEmails, 0));
        }
    }

    /**
     * The unlinks earlier runs owe (failed, skipped, discarded, superseded, or cut short by a crash) join this run's
     * pending removals, unless this run unlinks the address itself; answers how many.
     */
    int carryOverUnlinks(long runId, String exportId) throws SQLException {
        return db.update("""
                insert into export_row (run_id, profile_id, email, action, outcome, reason, attempts)
                select ?, p.profile_id, p.email, 'unlink', 'pending', 'owed since run ' || p.since_run
                       || coalesce(', ' || p.attempts || ' attempt(s) failed: ' || p.last_error, ''), p.attempts
                from pending_unlink p
                where p.export_id = ? and not exists (select 1 from export_row r where r.run_id = ? and r.email = p.email and r.action in ('remove', 'unlink'))""",
                runId, exportId, runId);
    }

    /** The rows of the given batches that carried an SMS number, with when their batch was recorded. */
    List<Map<String, Object>> batchPhones(long runId, List<Integer> batchNos) throws SQLException {
        return db.query("""
                select u.p as profile_id, u.e as email, u.ph as phone, b.created_at from export_batch b,
                  unnest(b.profile_ids, b.emails, b.phones) as u(p, e, ph)
                where b.run_id = ? and b.batch_no = any(?::int[]) and u.ph is not null""", runId, batchNos.stream().map(String::valueOf).toArray());
    }

    void batch(long runId, int batchNo, List<ExportRow> rows, int bytes, Long processId, String status, String error) throws SQLException {
        db.update("insert into export_batch (run_id, batch_no, row_count, bytes, process_id, status, error, adds, profile_ids, emails, actions, "
                + "hashes, phones) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", runId, batchNo, rows.size(), bytes, processId, status, error,
                (int) rows.stream().filter(r -> r.action().equals(ExportRow.ADD)).count(),
                rows.stream().map(ExportRow::profileId).toArray(), rows.stream().map(ExportRow::email).toArray(),
                rows.stream().map(ExportRow::action).toArray(), rows.stream().map(ExportRow::hash).toArray(Long[]::new),
                rows.stream().map(ExportRow::phone).toArray(String[]::new));
    }

    /** A row of a batch that a report of its import names: its place in the batch, what it was sent as, and how many rows of the batch have its address. */
    record NamedRow(long index, String profileId, String email, String phone, String action, Long hash, long sameAddress) {
    }

    /**
     * The rows of a batch (not yet refused) with one of these addresses (lower case) or numbers (digits), found in
     * PostgreSQL, so only the rows a report names leave it (a million rows' arrays read into the JVM cost ~1 s).
     */
    List<NamedRow> namedRows(long runId, int batchNo, String[] emails, String[] numbers) throws SQLException {
        return db.query("""
                select u.n, u.p, u.e, u.ph, u.a, u.h, count(*) over (partition by lower(u.e)) as same
                from export_batch b, unnest(b.profile_ids, b.emails, b.phones, b.actions, b.hashes) with ordinality as u (p, e, ph, a, h, n)
                where b.run_id = ? and b.batch_no = ? and u.h is not null
                  -- hashed subplans: = any(array) compared each row with every element (27 s for a messy million)
                  and (lower(u.e) in (select unnest(?::text[])) or ltrim(u.ph, '+') in (select unnest(?::text[])))""", runId, batchNo, emails, numbers)
                .stream()
                .map(r -> new NamedRow(((Number) r.get("n")).longValue(), (String) r.get("p"), (String) r.get("e"), (String) r.get("ph"), (String) r.get("a"),
                        ((Number) r.get("h")).longValue(), ((Number) r.get("same")).longValue())).toList();
    }

    /**
     * Brevo's report named these rows of a completed batch as not taken: each is recorded rejected with Brevo's code
     * and reason, and its hash in the batch is cleared, so it is neither delivered (sync state, counts, row listings)
     * nor counted so.
     */
    void refused(long runId, int batchNo, List<NamedRow> rows, List<String> codes, List<String> reasons) throws SQLException {
        db.update("""
                update export_batch set hashes = array(select case when u.n in (select unnest(?::bigint[])) then null else u.h end
                                                        from unnest(hashes) with ordinality as u (h, n) order by u.n),
                    refused = refused + ?, refused_adds = refused_adds + ? where run_id = ? and batch_no = ?""",
                rows.stream().map(NamedRow::index).toArray(Long[]::new), rows.size(), (int) rows.stream().filter(r -> ExportRow.ADD.equals(r.action())).count(),
                runId, batchNo);
        List<String[]> rejected = new ArrayList<>(rows.size());
        for (int k = 0; k < rows.size(); k++) {
            NamedRow row = rows.get(k);
            rejected.add(new String[] {row.profileId(), row.email(), row.action(), ExportRow.REJECTED, codes.get(k), reasons.get(k)});
        }
        // refused as they are (sync_state.refused): a rerun need not read them again unless they change, which the feed sees
        rowOutcomes(runId, rejected, false);
    }

    /** Records how a Brevo import process ended; answers the batch it carried (null if not this run's). */
    Integer processEnded(long runId, long processId, String status, String error) throws SQLException {
        var batch = db.queryOne("update export_batch set status = ?, error = ? where run_id = ? and process_id = ? returning batch_no", status, error,
                runId, processId);
        return batch.map(b -> ((Number) b.get("batchNo")).intValue()).orElse(null);
    }

    /** What Brevo said its imports did not take: invalid addresses, and duplicates of any identifier. */
    void problems(long runId, int invalidEmails, int duplicates) throws SQLException {
        if (invalidEmails > 0 || duplicates > 0) {
            db.update("update export_run set invalid_emails = invalid_emails + ?, duplicates = duplicates + ? where id = ?", invalidEmails, duplicates, runId);
        }
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

    /** Rows of the run whose import Brevo has completed so far. */
    long rowsConfirmed(long runId) throws SQLException {
        return db.number("select coalesce(sum(row_count - refused), 0) from export_batch where run_id = ? and status = 'completed'", runId);
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

    /** The exit policy keeps them, or a confirmation was discarded: every pending removal gets that outcome. */
    void settleRemovals(long runId, String outcome, String reason) throws SQLException {
        db.update("update export_row set outcome = ?, reason = ? where run_id = ? and outcome = 'pending'", outcome, reason, runId);
    }

    /**
     * A run's rows by outcome, paged: the rows recorded one by one, the rejections standing for it from earlier runs,
     * and the delivered ones (outcome added or updated), read out of the batches that carried them.
     */
    List<Map<String, Object>> rows(long runId, List<String> outcomes, int limit, long offset) throws SQLException {
        return db.query("""
                select %1$s from (
                  select %1$s, id as seq from export_row where run_id = ?
                  union all
                  select %1$s, id from run_rejections(?) where run_id <> ?
                  union all
                  select u.p, u.e, u.a, case u.a when 'add' then 'added' else 'updated' end, null, null, 1, b.created_at,
                         -(b.batch_no::bigint * 1000000 + u.n)
                  from export_batch b, unnest(b.profile_ids, b.emails, b.actions, b.hashes) with ordinality as u(p, e, a, h, n)
                  where b.run_id = ? and b.status = 'completed' and u.h is not null
                ) r where cardinality(?::text[]) = 0 or r.outcome = any(?::text[])
                order by r.outcome, r.seq limit ? offset ?""".formatted(ROW_COLUMNS), runId, runId, runId, runId, outcomes.toArray(),
                outcomes.toArray(), limit, offset);
    }
}
