package io.brevosync.run;

import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.brevosync.api.ApiException;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.ImportBatch;
import io.brevosync.export.ImportBatcher;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.sql.SqlConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the export routes call at each step of a run: open it, read, send each batch, follow Brevo's import processes,
 * record dead letters, close it with its counts. Also answers the HTTP API's questions about runs.
 */
public final class ExportRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ExportRuns.class);

    private final ExportRegistry exports;
    private final ImportBatcher batcher;
    private final RunLedger ledger;
    private final Duration pollFirst;
    private final Duration pollMax;
    private final Duration importTimeout;
    private final Map<Long, ExportRun> live = new ConcurrentHashMap<>();

    public ExportRuns(ExportRegistry exports, ImportBatcher batcher, RunLedger ledger, Duration pollFirst, Duration pollMax, Duration importTimeout) throws SQLException {
        this.exports = exports;
        this.batcher = batcher;
        this.ledger = ledger;
        this.pollFirst = pollFirst;
        this.pollMax = pollMax;
        this.importTimeout = importTimeout;
        int closed = ledger.closeAbandoned();
        if (closed > 0) {
            LOG.warn("{} run(s) were still active from an earlier start; marked interrupted", closed);
        }
    }

    // ---- starting ----

    /** The 202 answer of an HTTP trigger. */
    public Map<String, Object> accepted(@ExchangeProperty("exportId") String exportId, @ExchangeProperty("runId") long runId) {
        return Map.of("exportId", exportId, "runId", runId, "status", RunLedger.QUEUED, "href", "/api/exports/" + exportId + "/runs/" + runId);
    }

    /** Queues a run of the export (HTTP and start-up triggers); 409 when one is already active, or when it is disabled. */
    public long trigger(@ExchangeProperty("exportId") String exportId, @ExchangeProperty("trigger") String trigger) throws SQLException {
        ExportDefinition export = exports.get(exportId);
        if (!export.enabled()) {
            throw new ApiException(409, "export '" + exportId + "' is disabled (enabled: false in its route file)");
        }
        Long runId = ledger.create(exportId, trigger, RunLedger.QUEUED);
        if (runId == null) {
            throw new ApiException(409, "export '" + exportId + "' already has a run in progress (run " + ledger.activeRun(exportId) + ")");
        }
        return runId;
    }

    /** The Quartz trigger: a disabled export ignores it; a fire that finds a run in progress is recorded as skipped. */
    public Long schedule(@ExchangeProperty("exportId") String exportId) throws SQLException {
        if (!exports.get(exportId).enabled()) {
            return null;
        }
        try {
            return trigger(exportId, "schedule");
        } catch (ApiException e) {
            LOG.warn("Scheduled run of export {} skipped: {}", exportId, e.getMessage());
            ledger.skipped(exportId, "schedule", e.getMessage());
            return null;
        }
    }

    /** Opens the run: sets the properties the route uses and leaves the export's query, with its parameters, in the message. */
    public void begin(Exchange exchange) throws SQLException {
        long runId = exchange.getProperty("runId", Long.class);
        ExportDefinition export = exports.get(exchange.getProperty("exportId", String.class));
        ExportRun run = new ExportRun(runId, export, pollFirst, pollMax, importTimeout);
        // the properties first: if the database fails below, the run's doFinally can still close it
        exchange.setProperty("run", run);
        exchange.setProperty("export", export);
        exchange.setProperty("connection", export.connection());
        live.put(runId, run);
        ledger.started(runId);
        exchange.getIn().removeHeaders("*");
        // the query comes from the message body, where camel-sql takes positional parameters: each :#segments is one
        String[] query = export.query().split(":#segments", -1);
        exchange.getIn().setBody(String.join("?", query));
        exchange.getIn().setHeader(SqlConstants.SQL_PARAMETERS, java.util.Collections.nCopies(query.length - 1, export.segments().toArray(new String[0])));
        LOG.info("Export {} run {} started: segments {} -> Brevo list {} via connection '{}'", export.id(), runId, export.segments(),
                export.listId(), export.connection());
    }

    // ---- batches ----

    /** A batch is complete: record its rejected rows and turn it into the import request body. */
    public void batchReady(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        ImportBatch batch = exchange.getIn().getBody(ImportBatch.class);
        ledger.rows(run.getId(), batch.getRejected(), "rejected", null);
        run.counted(batch.getRows().size() + batch.getRejected().size(), batch.getRows().size(), batch.getRejected().size());
        exchange.setProperty("batch", batch);
        exchange.setProperty("batchNo", run.nextBatchNo());
        exchange.setProperty("brevoMethod", "POST");
        exchange.setProperty("brevoPath", "/contacts/import");
        byte[] request = batch.importRequest(run.getExport().listId());
        exchange.setProperty("batchBytes", request.length);
        exchange.getIn().setBody(request);
    }

    /** Brevo accepted the batch (202 with a processId): follow that process. */
    public void batchAccepted(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        Map<?, ?> answer = exchange.getIn().getBody(Map.class);
        long processId = ((Number) answer.get("processId")).longValue();
        ImportBatch batch = exchange.getProperty("batch", ImportBatch.class);
        int batchNo = exchange.getProperty("batchNo", Integer.class);
        ledger.batch(run.getId(), batchNo, batch.getRows(), exchange.getProperty("batchBytes", Integer.class), processId, "queued", null);
        run.following(processId, batchNo);
    }

    /** The dead-letter route: the batch's rows are recorded as failed with the reason; a failed look-up is only logged. */
    public void deadLetter(Exchange exchange) throws SQLException {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = BrevoFailures.describe(cause);
        ExportRun run = exchange.getProperty("run", ExportRun.class);
        ImportBatch batch = exchange.getProperty("batch", ImportBatch.class);
        if (run == null) {
            LOG.error("Dead letter outside a run: {}", reason);
        } else if (batch != null) {
            int batchNo = exchange.getProperty("batchNo", Integer.class);
            LOG.error("Export {} run {}: batch {} ({} rows) dead-lettered: {}", run.getExport().id(), run.getId(), batchNo, batch.getRows().size(), reason);
            ledger.batch(run.getId(), batchNo, batch.getRows(), 0, null, "dead", reason);
            ledger.rows(run.getId(), batch.getRows(), "failed", reason);
        } else {
            LOG.warn("Export {} run {}: Brevo call {} failed: {}", run.getExport().id(), run.getId(), exchange.getProperty("brevoPath"), reason);
        }
    }

    /** An answer of GET /v3/processes (a page) or /v3/processes/{id}: record the processes of this run that have ended. */
    public void processesPolled(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        Map<?, ?> answer = exchange.getIn().getBody(Map.class);
        List<?> processes = answer.containsKey("processes") ? (List<?>) answer.get("processes") : List.of(answer);
        for (Object item : processes) {
            Map<?, ?> process = (Map<?, ?>) item;
            long id = ((Number) process.get("id")).longValue();
            String status = String.valueOf(process.get("status"));
            boolean terminal = status.equals("completed") || status.equals("failed") || status.equals("cancelled");
            if (terminal && run.done(id)) {
                Map<?, ?> counters = process.get("info") instanceof Map<?, ?> info && info.get("import") instanceof Map<?, ?> m ? m : Map.of();
                ledger.processEnded(run.getId(), id, status, (String) process.get("error"), number(counters.get("invalid_emails")),
                        number(counters.get("duplicate_email_id")) + number(counters.get("duplicate_phone_id")));
            }
        }
    }

    // ---- closing ----

    /** The run itself failed (the query, the database): the reason is kept for its summary. */
    public void failed(Exchange exchange, @ExchangeProperty("run") ExportRun run) {
        String reason = BrevoFailures.describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
        LOG.error("Export {} run {} failed: {}", run.getExport().id(), run.getId(), reason);
        exchange.setProperty("runError", reason);
    }

    /** Closes the run; imports still unfinished after the timeout count as failed. Leaves the summary in the body. */
    public Map<String, Object> finish(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        batcher.discard(run.getId());
        for (Long processId : List.copyOf(run.pending().keySet())) {
            run.done(processId);
            ledger.processEnded(run.getId(), processId, "timeout", "did not finish within " + importTimeout, 0, 0);
        }
        String error = exchange.getProperty("runError", String.class);
        ledger.rowsRead(run.getId(), run.rowsRead());
        Map<String, Object> summary = ledger.finish(run.getId(), error == null ? null : "run failed: " + error);
        this.live.remove(run.getId());
        LOG.info("Export {} run {} {}: {} rows read, {} delivered, {} rejected, {} failed, {} batches ({} failed), {} invalid emails per Brevo",
                run.getExport().id(), run.getId(), summary.get("status"), summary.get("rowsRead"), summary.get("rowsDelivered"),
                summary.get("rowsRejected"), summary.get("rowsFailed"), summary.get("batches"), summary.get("batchesFailed"),
                summary.get("invalidEmails"));
        return summary;
    }

    // ---- HTTP API answers ----

    public List<Map<String, Object>> exports() throws SQLException {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (ExportDefinition export : exports.all()) {
            Map<String, Object> item = new LinkedHashMap<>(export.summary());
            List<Map<String, Object>> last = ledger.runs(export.id(), 1);
            item.put("lastRun", last.isEmpty() ? null : last.get(0));
            out.add(item);
        }
        return out;
    }

    public List<Map<String, Object>> runs(String exportId) throws SQLException {
        exports.get(exportId);
        return ledger.runs(exportId, 50);
    }

    public Map<String, Object> run(String exportId, String runId) throws SQLException {
        Map<String, Object> run = runId.matches("\\d{1,18}") ? ledger.run(Long.parseLong(runId)) : null;
        if (run == null || !exportId.equals(run.get("exportId"))) {
            throw new ApiException(404, "export '" + exportId + "' has no run " + runId);
        }
        ExportRun current = live.get(Long.parseLong(runId));
        Map<String, Object> answer = new LinkedHashMap<>(run);
        if (current != null) {
            answer.put("progress", current.live());
        }
        answer.put("notDelivered", ledger.rows(Long.parseLong(runId), 100));
        return answer;
    }

    private static int number(Object value) {
        return value instanceof Number n ? n.intValue() : 0;
    }
}
