package io.brevosync.run;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.brevosync.api.ApiException;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.export.DataQuality;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.ExportRow;
import io.brevosync.export.ImportBatch;
import io.brevosync.export.ImportBatcher;
import io.brevosync.export.PhoneOwners;
import io.brevosync.sync.SyncQuery;
import io.brevosync.sync.SyncState;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.sql.SqlConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the export routes call at each step of a run: open it, read what changed, send each batch, follow Brevo's
 * import processes, unlink who left (or stop at the brake), record dead letters, close it with its counts. Also the
 * run control of the HTTP API (cancel, confirm, discard); its reports are in {@link RunReports}.
 */
public final class ExportRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ExportRuns.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExportRegistry exports;
    private final ImportBatcher batcher;
    private final RunLedger ledger;
    private final SyncState sync;
    private final RunLocks locks;
    private final Duration pollFirst;
    private final Duration pollMax;
    private final Duration importTimeout;
    private final Map<Long, ExportRun> live = new ConcurrentHashMap<>();
    private volatile ProducerTemplate template;

    public ExportRuns(ExportRegistry exports, ImportBatcher batcher, RunLedger ledger, SyncState sync, Duration pollFirst, Duration pollMax,
            Duration importTimeout) throws SQLException {
        this.exports = exports;
        this.batcher = batcher;
        this.ledger = ledger;
        this.sync = sync;
        this.locks = new RunLocks(ledger.dataSource());
        this.pollFirst = pollFirst;
        this.pollMax = pollMax;
        this.importTimeout = importTimeout;
        closeAbandoned();
    }

    /** Active runs whose server is gone (their lock is free) are closed as interrupted; runs of live servers stay. */
    private int closeAbandoned() throws SQLException {
        int closed = 0;
        for (long runId : ledger.activeRuns()) {
            if (locks.abandoned(runId)) {
                ledger.interrupted(runId);
                closed++;
            }
        }
        if (closed > 0) {
            LOG.warn("{} run(s) were left active by a server that stopped; marked interrupted", closed);
        }
        return closed;
    }

    // ---- starting ----

    /** The 202 answer of an HTTP trigger. */
    public Map<String, Object> accepted(@ExchangeProperty("exportId") String exportId, @ExchangeProperty("runId") long runId) {
        return Map.of("exportId", exportId, "runId", runId, "status", RunLedger.QUEUED, "href", "/api/exports/" + exportId + "/runs/" + runId);
    }

    /**
     * Queues a run of the export (HTTP and start-up triggers); 409 when one is already active, or when it is disabled.
     * A full resync (exchange property fullResync) sends unchanged profiles too.
     */
    public long trigger(@ExchangeProperty("exportId") String exportId, @ExchangeProperty("trigger") String trigger,
            @ExchangeProperty("fullResync") Boolean fullResync) throws SQLException {
        ExportDefinition export = exports.get(exportId);
        if (!export.enabled()) {
            throw new ApiException(409, "export '" + exportId + "' is disabled (enabled: false in its route file)");
        }
        Long runId = ledger.create(exportId, export.connection(), export.listId(), trigger, Boolean.TRUE.equals(fullResync));
        if (runId == null && closeAbandoned() > 0) {
            runId = ledger.create(exportId, export.connection(), export.listId(), trigger, Boolean.TRUE.equals(fullResync));
        }
        if (runId == null) {
            throw new ApiException(409, "Brevo list " + export.listId() + " of connection '" + export.connection() + "' is being written by "
                    + ledger.activeRun(export.connection(), export.listId()));
        }
        locks.hold(runId);
        return runId;
    }

    /** The Quartz trigger: a disabled export ignores it; a fire that finds a run in progress is recorded as skipped. */
    public Long schedule(@ExchangeProperty("exportId") String exportId) throws SQLException {
        if (!exports.get(exportId).enabled()) {
            return null;
        }
        try {
            return trigger(exportId, "schedule", false);
        } catch (ApiException e) {
            LOG.warn("Scheduled run of export {} skipped: {}", exportId, e.getMessage());
            ledger.skipped(exportId, "schedule", e.getMessage());
            return null;
        }
    }

    /** Opens the run: sets the properties the route uses. */
    public void begin(Exchange exchange) throws SQLException {
        long runId = exchange.getProperty("runId", Long.class);
        ExportDefinition export = exports.get(exchange.getProperty("exportId", String.class));
        // the properties first: if the database fails below, the run's doFinally can still close it
        open(exchange, runId, export, exchange.getProperty("fullResync", false, Boolean.class));
        ledger.started(runId);
        int superseded = ledger.supersede(export.id(), runId);
        if (superseded > 0) {
            LOG.warn("Export {} run {}: the removals of {} earlier run(s) were never confirmed; this run works them out again", export.id(), runId, superseded);
        }
    }

    /** Imports an interrupted run of this export sent (the server was killed) but never saw end. */
    public List<Map<String, Object>> unconfirmedImports(@ExchangeProperty("run") ExportRun run) throws SQLException {
        List<Map<String, Object>> imports = ledger.unconfirmedImports(run.getExport().id());
        if (!imports.isEmpty()) {
            LOG.info("Export {} run {}: looking up {} import(s) an interrupted run sent, so what Brevo has is not sent again", run.getExport().id(),
                    run.getId(), imports.size());
        }
        return imports;
    }

    /** Brevo's answer about one of them (GET /v3/processes/{id}): its end is recorded as if its own run had seen it. */
    public void earlierImportEnded(Exchange exchange, @ExchangeProperty("run") ExportRun run, @ExchangeProperty("unconfirmed") Map<String, Object> batch)
            throws SQLException {
        Map<?, ?> process = exchange.getIn().getBody(Map.class);
        String status = String.valueOf(process.get("status"));
        if (ended(status)) {
            processEnded(((Number) batch.get("runId")).longValue(), run.getExport().id(), ((Number) batch.get("processId")).longValue(), status,
                    (String) process.get("error"), 0, 0, 0);
        }
    }

    /**
     * Leaves in the message the export's query wrapped by {@link SyncQuery}, which returns only the profiles that are
     * new, changed or gone since the last delivery.
     */
    public void query(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        ExportDefinition export = run.getExport();
        long runId = run.getId();
        boolean full = run.isFullResync();
        String[] only = run.profiles();
        long[] state = {0, 0};
        if (run.nextPass() == 1) {
            state = sync.counts(export.id());
            run.synced(state[0], state[1]);
            ledger.membersBefore(runId, state[1]);
        } else {
            only = ledger.retryFailedImports(runId).toArray(new String[0]);
            LOG.info("Export {} run {}: sending again the {} rows whose import process failed", export.id(), runId, only.length);
        }
        exchange.getIn().removeHeaders("*");
        // the query comes from the message body, where camel-sql takes positional parameters
        SyncQuery.Statement statement = SyncQuery.of(export, full, only);
        exchange.getIn().setBody(statement.sql());
        exchange.getIn().setHeader(SqlConstants.SQL_PARAMETERS, statement.parameters());
        exchange.setProperty("phoneOwners", new PhoneOwners());
        if (run.pass() == 1) {
            LOG.info("Export {} run {} started{}: segments {} -> Brevo list {} via connection '{}'; {} profiles delivered before", export.id(), runId,
                    full ? " (full resync)" : "", export.segments(), export.listId(), export.connection(), state[1]);
        }
    }

    /** Before each pass: the first; then one more if an import process of the run failed (its rows are sent again). */
    public boolean anotherPass(@ExchangeProperty("run") ExportRun run) {
        return run.pass() == 0 || (run.pass() == 1 && run.hasFailedImports() && !run.isCanceled());
    }

    private void open(Exchange exchange, long runId, ExportDefinition export, boolean full) {
        ExportRun run = new ExportRun(runId, export, full, pollFirst, pollMax, importTimeout);
        String[] profiles = exchange.getProperty("profiles", String[].class);
        if (profiles != null) {
            run.onlyProfiles(profiles);
        }
        exchange.setProperty("run", run);
        exchange.setProperty("export", export);
        exchange.setProperty("exportId", export.id());
        exchange.setProperty("connection", export.connection());
        live.put(runId, run);
    }

    // ---- batches ----

    /** Rows of the query per step of the split: one exchange per 500 rows, not per row (Camel copies an exchange's properties for each). */
    static final int ROWS_PER_STEP = 500;

    /** The rows of the export's query as the split reads them, 500 at a time, ending early once the run is canceled. */
    public Iterator<List<Object>> untilCanceled(@Body Iterator<?> rows, @ExchangeProperty("run") ExportRun run) {
        return new Iterator<List<Object>>() {
            @Override
            public boolean hasNext() {
                return !run.isCanceled() && rows.hasNext();
            }

            @Override
            public List<Object> next() {
                List<Object> chunk = new ArrayList<>(ROWS_PER_STEP);
                while (chunk.size() < ROWS_PER_STEP && rows.hasNext()) {
                    chunk.add(rows.next());
                }
                return chunk;
            }
        };
    }

    /** Before each batch: false once the cancellation of the run was asked for, through any server. */
    public boolean notCanceled(@ExchangeProperty("run") ExportRun run) throws SQLException {
        if (!run.isCanceled() && ledger.cancelRequested(run.getId())) {
            run.cancel();
            LOG.warn("Export {} run {} canceled after {} batches; the next run sends what this one did not", run.getExport().id(), run.getId(),
                    run.batchesSent());
        }
        return !run.isCanceled();
    }

    /**
     * Sends a complete batch (direct:send-batch) on another thread while the run reads and maps the next rows, so
     * PostgreSQL and Brevo work at the same time; first waits for the batch before, so one batch at most is in flight
     * and reading runs at most one batch ahead.
     */
    public void sendBatch(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws Exception {
        run.awaitSend();
        run.sending(inBackground(exchange, "direct:send-batch"));
    }

    /**
     * Between batches of a long run (ExportRun.isWorthPolling): one look at the processes (direct:poll-imports) on
     * another thread, so the sync state of what Brevo applied is written while the run reads and sends, not after.
     */
    public void lookAtImports(Exchange exchange, @ExchangeProperty("run") ExportRun run) {
        if (run.isWorthPolling()) {
            run.looking(inBackground(exchange, "direct:poll-imports"));
        }
    }

    /** A new exchange with the run's properties and the body, on another thread: a copy would carry the split's state. */
    private CompletableFuture<Exchange> inBackground(Exchange exchange, String uri) {
        Map<String, Object> properties = Map.copyOf(exchange.getProperties());
        Object body = exchange.getIn().getBody();
        return template(exchange.getContext()).asyncSend(uri, copy -> {
            properties.forEach(copy::setProperty);
            copy.getIn().setBody(body);
        });
    }

    /** After a pass has read its rows: its last batch is sent, and a look at the processes is over, before the run follows the imports. */
    public void batchesSent(@ExchangeProperty("run") ExportRun run) throws Exception {
        run.awaitSend();
        run.awaitLook();
    }

    private ProducerTemplate template(CamelContext context) {
        ProducerTemplate current = template;
        if (current == null) {
            synchronized (this) {
                if (template == null) {
                    template = context.createProducerTemplate();
                }
                current = template;
            }
        }
        return current;
    }

    /**
     * A batch is complete: record its rows that are not sent and the addresses to unlink, forget profiles that left
     * without being in the list, and turn the rest into the import request body.
     */
    public void batchReady(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        ImportBatch batch = exchange.getIn().getBody(ImportBatch.class);
        // a second pass sends again rows whose unlinks the first one recorded
        ledger.recordRows(run.getId(), Stream.concat(batch.getNotSent().stream(), batch.getRows().stream()).toList(), run.pass() == 1);
        sync.forget(run.getExport().id(), batch.getNotSent().stream().filter(r -> r.action().equals(ExportRow.FORGET)).map(ExportRow::profileId).toList());
        run.counted(batch);
        Deque<ImportBatch> imports = new ConcurrentLinkedDeque<>();
        if (batch.hasRows()) {
            imports.add(batch);
        }
        exchange.setProperty("importQueue", imports);
    }

    /** The next import of a batch (the batch, then the halves of any Brevo refused), as a one-item list for a split. */
    public List<ImportBatch> nextImport(@ExchangeProperty("importQueue") Deque<ImportBatch> queue) {
        ImportBatch next = queue.poll();
        return next == null ? List.of() : List.of(next);
    }

    /** One import: the request body and the properties the Brevo routes and the dead letter use. */
    public void importReady(Exchange exchange, @ExchangeProperty("run") ExportRun run) {
        ImportBatch batch = exchange.getIn().getBody(ImportBatch.class);
        exchange.setProperty("batch", batch);
        exchange.setProperty("batchNo", run.nextBatchNo());
        exchange.setProperty("brevoMethod", "POST");
        exchange.setProperty("brevoPath", "/contacts/import");
        byte[] request = batch.importRequest(run.getExport().listId(), run.getExport().quality().sendBlanks());
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
        String code = BrevoFailures.code(cause);
        ExportRun run = exchange.getProperty("run", ExportRun.class);
        ImportBatch batch = exchange.getProperty("batch", ImportBatch.class);
        List<?> unlinks = exchange.getProperty("unlinkChunk", List.class);
        Deque<ImportBatch> imports = exchange.getProperty("importQueue", Deque.class);
        boolean runImport = run != null && unlinks == null && batch != null && imports != null;
        if (runImport && smsRefused(run, batch, cause, imports)) {
            return;
        }
        if (runImport && batch.getRows().size() > 1 && BrevoFailures.status(cause) == 400) {
            // one bad row makes Brevo refuse the whole import: the halves are sent instead, until the refused rows are alone
            LOG.warn("Export {} run {}: Brevo refused batch {} ({} rows) with a 400; sending its halves to find the rows it refuses",
                    run.getExport().id(), run.getId(), exchange.getProperty("batchNo"), batch.getRows().size());
            imports.addAll(batch.halves());
            return;
        }
        if (run == null) {
            LOG.error("Dead letter outside a run: {}", reason);
        } else if (unlinks != null) {
            LOG.error("Export {} run {}: unlinking {} addresses failed, the next run tries again: {}", run.getExport().id(), run.getId(), unlinks.size(), reason);
            ledger.removalOutcome(run.getId(), rowIds(unlinks), "failed", code, reason);
        } else if (batch != null) {
            int batchNo = exchange.getProperty("batchNo", Integer.class);
            LOG.error("Export {} run {}: batch {} ({} rows) dead-lettered: {}", run.getExport().id(), run.getId(), batchNo, batch.getRows().size(), reason);
            ledger.batch(run.getId(), batchNo, batch.getRows(), 0, null, "dead", reason);
            // a row Brevo refuses on its own is rejected by Brevo; still counted as a failure, so it goes dead, not bisected each run
            boolean refused = batch.getRows().size() == 1 && BrevoFailures.status(cause) == 400;
            batchFailed(run.getId(), run.getExport().id(), batchNo, refused ? "rejected" : "failed", code, reason);
        } else {
            LOG.warn("Export {} run {}: Brevo call {} failed: {}", run.getExport().id(), run.getId(), exchange.getProperty("brevoPath"), reason);
        }
    }

    /**
     * Brevo refused a row alone because its SMS number belongs to another contact (metadata.duplicate_identifiers):
     * the number is remembered, so later runs leave it out; with identifierConflict dropSms the row is sent again at
     * once without it (true). With skip, it is rejected like any refused row (false).
     */
    private boolean smsRefused(ExportRun run, ImportBatch batch, Exception cause, Deque<ImportBatch> imports) throws SQLException {
        if (batch.getRows().size() != 1 || batch.getRows().get(0).phone() == null || !BrevoFailures.duplicateIdentifiers(cause).contains("SMS")) {
            return false;
        }
        ExportRow row = batch.getRows().get(0);
        ExportDefinition export = run.getExport();
        sync.smsConflict(export.id(), row.profileId(), row.phone());
        if (export.quality().identifierConflict().equals(DataQuality.SKIP)) {
            return false;
        }
        String note = "SMS " + row.phone() + " belongs to another Brevo contact (Brevo answered " + BrevoFailures.code(cause)
                + "); sent again without it, and left out until the number changes";
        ExportRow again = row.resending(withoutSms(row.json()), note);
        ledger.recordRows(run.getId(), List.of(again), true);
        imports.add(ImportBatch.of(again, export));
        LOG.warn("Export {} run {}: profile {}: {}", export.id(), run.getId(), row.profileId(), note);
        return true;
    }

    private static byte[] withoutSms(byte[] item) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(item);
            ((com.fasterxml.jackson.databind.node.ObjectNode) json.path("attributes")).remove("SMS");
            return JSON.writeValueAsBytes(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
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
            if (ended(status) && run.done(id)) {
                Map<?, ?> counters = process.get("info") instanceof Map<?, ?> info && info.get("import") instanceof Map<?, ?> m ? m : Map.of();
                String error = (String) process.get("error");
                int phones = number(counters.get("duplicate_phone_id"));
                processEnded(run.getId(), run.getExport().id(), id, status, error, number(counters.get("invalid_emails")),
                        number(counters.get("duplicate_email_id")) + phones, phones);
            }
        }
    }

    /**
     * A completed import makes its rows the sync state (and, if Brevo counted SMS numbers that belong to other
     * contacts, its rows are checked for them after the pass); any other end fails them, to be retried by a later run.
     */
    private void processEnded(long runId, String exportId, long processId, String status, String error, int invalidEmails, int duplicates,
            int phoneDuplicates) throws SQLException {
        Integer batchNo = ledger.processEnded(runId, processId, status, error, invalidEmails, duplicates);
        if (batchNo == null) {
            return;
        }
        ExportRun run = live.get(runId);
        if (status.equals("completed")) {
            sync.delivered(exportId, runId, batchNo);
            if (phoneDuplicates > 0 && run != null) {
                run.phoneConflictsIn(batchNo);
            }
        } else {
            if (run != null) {
                run.importFailed();
            }
            batchFailed(runId, exportId, batchNo, "failed", "process_" + status, "Brevo import process " + processId + " " + status + (error == null ? "" : ": " + error));
        }
    }

    /** A Brevo process that will not change any more. */
    private static boolean ended(String status) {
        return status.equals("completed") || status.equals("failed") || status.equals("cancelled");
    }

    private void batchFailed(long runId, String exportId, int batchNo, String outcome, String code, String reason) throws SQLException {
        sync.failed(exportId, runId, batchNo, reason);
        ledger.batchFailed(runId, exportId, batchNo, outcome, code, reason);
    }

    /** The wait for the imports is over: those still unfinished count as failed (a second pass sends them again). */
    public void importsTimedOut(@ExchangeProperty("run") ExportRun run) throws SQLException {
        for (Long processId : List.copyOf(run.pending().keySet())) {
            run.done(processId);
            processEnded(run.getId(), run.getExport().id(), processId, "timeout", "did not finish within " + importTimeout, 0, 0, 0);
        }
    }

    // ---- confirmation of a braked run ----

    /** Takes up a run the brake stopped, so its removals can be carried out (confirm) or dropped (discard). */
    public void resume(Exchange exchange, @Header("exportId") String exportId, @Header("runId") String runId) throws SQLException {
        Map<String, Object> run = run(exportId, runId);
        long id = ((Number) run.get("id")).longValue();
        if (!RunLedger.NEEDS_CONFIRMATION.equals(run.get("status"))) {
            throw new ApiException(409, "run " + id + " is " + run.get("status") + ", not needs_confirmation");
        }
        Long latest = ledger.latestRun(exportId);
        if (latest != null && latest != id) {
            throw new ApiException(409, "run " + latest + " is newer: its own removals replace those of run " + id);
        }
        ExportDefinition export = exports.get(exportId);
        if (!ledger.resume(id)) {
            throw new ApiException(409, "Brevo list " + export.listId() + " is being written by " + ledger.activeRun(export.connection(), export.listId()));
        }
        locks.hold(id);
        exchange.setProperty("runId", id);
        exchange.setProperty("confirmed", true);
        open(exchange, id, export, false);
    }

    /** The removals of a resumed run are not wanted: they are recorded as discarded. */
    public void discard(@ExchangeProperty("run") ExportRun run) throws SQLException {
        long pending = ledger.pendingRemovals(run.getId());
        LOG.warn("Export {} run {}: {} removals discarded", run.getExport().id(), run.getId(), pending);
        ledger.settleRemovals(run.getId(), "discarded", "discarded through the API; the next run works the removals out again");
        ledger.note(run.getId(), pending + " removals discarded through the API; the list was left as it was");
    }

    /** Closes a resumed run once its removals are decided; leaves the summary in the body. */
    public Map<String, Object> refinish(@ExchangeProperty("run") ExportRun run) throws SQLException {
        sync.unlinked(run.getExport().id(), run.getId());
        live.remove(run.getId());
        locks.release(run.getId());
        Map<String, Object> summary = ledger.refinish(run.getId());
        LOG.info("Export {} run {} {}: {} removed", run.getExport().id(), run.getId(), summary.get("status"), summary.get("rowsRemoved"));
        return summary;
    }

    // ---- closing ----

    /** DELETE …/runs/{runId}: the run stops after the batch in flight (202), or 409 when it is not active. */
    public Map<String, Object> cancel(@Header("exportId") String exportId, @Header("runId") String runId) throws SQLException {
        long id = ((Number) run(exportId, runId).get("id")).longValue();
        if (!ledger.requestCancel(id)) {
            throw new ApiException(409, "run " + id + " is not active; only a queued or running run can be canceled");
        }
        LOG.info("Export {} run {}: cancellation asked for through the API", exportId, id);
        return Map.of("exportId", exportId, "runId", id, "status", "canceling", "href", "/api/exports/" + exportId + "/runs/" + id);
    }

    /** The run itself failed (the query, the database): the reason is kept for its summary. */
    public void failed(Exchange exchange, @ExchangeProperty("run") ExportRun run) {
        String reason = BrevoFailures.describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
        LOG.error("Export {} run {} failed: {}", run.getExport().id(), run.getId(), reason);
        exchange.setProperty("runError", reason);
    }

    /** Closes the run; imports still unfinished after the timeout count as failed. Leaves the summary in the body. */
    public Map<String, Object> finish(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        try {
            // a run that failed while reading may still have a batch in flight, or a look at the processes: they end first
            run.awaitLook();
            run.awaitSend();
        } catch (Exception e) {
            exchange.setProperty("runError", exchange.getProperty("runError", BrevoFailures.describe(e), String.class));
        }
        batcher.discard(run.getId());
        importsTimedOut(run);
        String error = exchange.getProperty("runError", String.class);
        boolean canceled = run.isCanceled();
        if (error != null || canceled) {
            // a run that did not read everything does not unlink: the next run works the removals out again
            ledger.settleRemovals(run.getId(), "skipped", "the run " + (canceled ? "was canceled" : "failed") + " before removing; the next run removes again");
        }
        sync.unlinked(run.getExport().id(), run.getId());
        String message = error != null ? "run failed: " + error : canceled ? "run canceled through the API after " + run.batchesSent() + " batches" : null;
        Map<String, Object> summary = ledger.finish(run.getId(), run.rowsRead(), run.unchanged(), message);
        this.live.remove(run.getId());
        locks.release(run.getId());
        LOG.info("Export {} run {} {}: {} rows in the segments: {} added, {} updated, {} unchanged, {} removed, {} rejected, {} without consent, "
                + "{} failed, {} dead, {} adjusted; {} batches ({} failed), {} invalid emails per Brevo", run.getExport().id(), run.getId(),
                summary.get("status"), summary.get("rowsRead"), summary.get("rowsAdded"), summary.get("rowsUpdated"), summary.get("rowsUnchanged"),
                summary.get("rowsRemoved"), summary.get("rowsRejected"), summary.get("rowsWithoutConsent"), summary.get("rowsFailed"),
                summary.get("rowsDead"), summary.get("rowsAdjusted"), summary.get("batches"), summary.get("batchesFailed"), summary.get("invalidEmails"));
        return summary;
    }

    // ---- for the HTTP API ----

    /** A run of the export, or 404. */
    Map<String, Object> run(String exportId, String runId) throws SQLException {
        Map<String, Object> run = runId.matches("\\d{1,18}") ? ledger.run(Long.parseLong(runId)) : null;
        if (run == null || !exportId.equals(run.get("exportId"))) {
            throw new ApiException(404, "export '" + exportId + "' has no run " + runId);
        }
        return run;
    }

    /** The id of the export's run in progress on this server, or null: a change of its file waits for it. */
    public Long activeRun(String exportId) {
        return live.values().stream().filter(r -> r.getExport().id().equals(exportId)).map(ExportRun::getId).findFirst().orElse(null);
    }

    /** The live counters of a run in progress on this server, or null. */
    Map<String, Object> progress(long runId) {
        ExportRun current = live.get(runId);
        return current == null ? null : current.live();
    }

    private static List<Long> rowIds(List<?> chunk) {
        return chunk.stream().map(r -> ((Number) ((Map<?, ?>) r).get("id")).longValue()).toList();
    }

    private static int number(Object value) {
        return value instanceof Number n ? n.intValue() : 0;
    }
}
