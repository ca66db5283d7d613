package io.brevosync.run;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.brevosync.export.ExportRow;

/**
 * The run ledger in PostgreSQL: runs with their status and counts, batches with the Brevo process that carried them,
 * and every row that was not delivered (rejected before sending, or failed) with its reason.
 */
public final class RunLedger {

    /** Run statuses set here; finish() derives succeeded, succeeded_with_rejections or failed from the counts.
     * Active ones (queued, running) are unique per export: a database lock, not a JVM lock. */
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SKIPPED = "skipped";
    public static final String INTERRUPTED = "interrupted";

    private static final String RUN_COLUMNS = "id, export_id, trigger, status, created_at, started_at, finished_at, rows_read, rows_sent, "
            + "rows_delivered, rows_rejected, rows_failed, batches, batches_failed, invalid_emails, duplicates, message";

    private final DataSource dataSource;

    public RunLedger(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Inserts a run; answers its id, or null when the export already has an active run (the unique index refused it). */
    Long create(String exportId, String trigger, String status) throws SQLException {
        try {
            return queryOne("insert into export_run (export_id, trigger, status) values (?, ?, ?) returning id", exportId, trigger, status)
                    .map(r -> ((Number) r.get("id")).longValue()).orElseThrow();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return null;
            }
            throw e;
        }
    }

    Long activeRun(String exportId) throws SQLException {
        return queryOne("select id from export_run where export_id = ? and status in ('queued', 'running')", exportId)
                .map(r -> ((Number) r.get("id")).longValue()).orElse(null);
    }

    /** Runs a crashed or killed server left active can never finish: close them so the export can run again. */
    int closeAbandoned() throws SQLException {
        return update("update export_run set status = ?, finished_at = now(), message = 'the server stopped during the run; "
                + "the next run sends its rows again' where status in ('queued', 'running')", INTERRUPTED);
    }

    void started(long runId) throws SQLException {
        update("update export_run set status = ?, started_at = now() where id = ?", RUNNING, runId);
    }

    void rows(long runId, List<ExportRow> rows, String outcome, String reason) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("insert into export_row (run_id, profile_id, email, outcome, reason) values (?, ?, ?, ?, ?)")) {
            for (ExportRow row : rows) {
                s.setLong(1, runId);
                s.setString(2, row.profileId());
                s.setString(3, row.email());
                s.setString(4, outcome);
                s.setString(5, reason != null ? reason : row.rejection());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    void batch(long runId, int batchNo, List<ExportRow> rows, int bytes, Long processId, String status, String error) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("insert into export_batch (run_id, batch_no, row_count, bytes, process_id, status, error, "
                        + "profile_ids, emails) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setLong(1, runId);
            s.setInt(2, batchNo);
            s.setInt(3, rows.size());
            s.setInt(4, bytes);
            s.setObject(5, processId);
            s.setString(6, status);
            s.setString(7, error);
            s.setArray(8, c.createArrayOf("text", rows.stream().map(ExportRow::profileId).toArray()));
            s.setArray(9, c.createArrayOf("text", rows.stream().map(ExportRow::email).toArray()));
            s.executeUpdate();
        }
    }

    /** Records how a Brevo import process ended; the rows of a failed one are recorded as failed, with Brevo's error. */
    void processEnded(long runId, long processId, String status, String error, int invalidEmails, int duplicates) throws SQLException {
        update("update export_batch set status = ?, error = ? where run_id = ? and process_id = ?", status, error, runId, processId);
        update("update export_run set invalid_emails = invalid_emails + ?, duplicates = duplicates + ? where id = ?", invalidEmails, duplicates, runId);
        if (!"completed".equals(status)) {
            update("insert into export_row (run_id, profile_id, email, outcome, reason) select run_id, unnest(profile_ids), unnest(emails), "
                    + "'failed', ? from export_batch where run_id = ? and process_id = ?", "Brevo import process " + processId + " " + status
                    + (error == null ? "" : ": " + error), runId, processId);
        }
    }

    /** Closes the run: counts come from the batches and rows recorded, the status from what happened to them. */
    Map<String, Object> finish(long runId, String message) throws SQLException {
        update("""
                update export_run r set
                    rows_sent = coalesce((select sum(row_count) from export_batch b where b.run_id = r.id and b.process_id is not null), 0),
                    rows_delivered = coalesce((select sum(row_count) from export_batch b where b.run_id = r.id and b.status = 'completed'), 0),
                    rows_rejected = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'rejected'),
                    rows_failed = (select count(*) from export_row w where w.run_id = r.id and w.outcome = 'failed'),
                    batches = (select count(*) from export_batch b where b.run_id = r.id),
                    batches_failed = (select count(*) from export_batch b where b.run_id = r.id and b.status <> 'completed'),
                    message = ?,
                    finished_at = now()
                where id = ?""", message, runId);
        update("""
                update export_run set status = case
                    when message is not null or rows_failed > 0
                         or rows_delivered + rows_rejected + rows_failed < rows_read then 'failed'
                    when rows_rejected > 0 then 'succeeded_with_rejections'
                    else 'succeeded' end
                where id = ?""", runId);
        return run(runId);
    }

    void rowsRead(long runId, long rows) throws SQLException {
        update("update export_run set rows_read = ? where id = ?", rows, runId);
    }

    Map<String, Object> run(long runId) throws SQLException {
        return queryOne("select " + RUN_COLUMNS + " from export_run where id = ?", runId).orElse(null);
    }

    List<Map<String, Object>> runs(String exportId, int limit) throws SQLException {
        return query("select " + RUN_COLUMNS + " from export_run where export_id = ? order by id desc limit ?", exportId, limit);
    }

    List<Map<String, Object>> rows(long runId, int limit) throws SQLException {
        return query("select profile_id, email, outcome, reason from export_row where run_id = ? order by outcome, profile_id limit ?", runId, limit);
    }

    void skipped(String exportId, String trigger, String message) throws SQLException {
        update("insert into export_run (export_id, trigger, status, finished_at, message) values (?, ?, ?, now(), ?)", exportId, trigger, SKIPPED, message);
    }

    // ---- JDBC in three helpers ----

    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = prepare(c, sql, args)) {
            return s.executeUpdate();
        }
    }

    private java.util.Optional<Map<String, Object>> queryOne(String sql, Object... args) throws SQLException {
        List<Map<String, Object>> rows = query(sql, args);
        return rows.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(rows.get(0));
    }

    private List<Map<String, Object>> query(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = prepare(c, sql, args); ResultSet rs = s.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    row.put(camelCase(meta.getColumnLabel(i)), value instanceof Timestamp t ? t.toInstant().toString() : value);
                }
                rows.add(row);
            }
            return rows;
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
        return s;
    }

    /** export_id → exportId: the API answers in the JSON style of Brevo's own API. */
    private static String camelCase(String column) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char ch : column.toCharArray()) {
            if (ch == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return out.toString();
    }
}
