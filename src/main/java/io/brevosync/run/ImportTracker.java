package io.brevosync.run;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.brevosync.brevo.BrevoAnswers;
import io.brevosync.observe.ExportMetrics;
import io.brevosync.sync.SyncState;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a run's Brevo import processes until they end: a completed import becomes sync state (its rows are not sent
 * again), a failed one, or one not ended within brevo.import-timeout, fails its rows for the run's second pass; the
 * imports a killed server sent are looked up before a run sends anything again.
 */
public final class ImportTracker {

    private static final Logger LOG = LoggerFactory.getLogger(ImportTracker.class);

    /** The codes of rows whose import process failed: the run's second pass sends them again. */
    static final List<String> PROCESS_FAILURES = List.of("process_failed", "process_cancelled", "process_timeout", "process_lost");
    /** The end we give an import that did not end within brevo.import-timeout. */
    private static final String TIMEOUT = "timeout";

    /** The statuses Brevo does not document already logged: each is logged once. */
    private static final Set<String> UNKNOWN_STATUSES = ConcurrentHashMap.newKeySet();

    private final RunLedger ledger;
    private final SyncState sync;
    private final ProcessReports reports;
    private final Duration importTimeout;
    private final ExportMetrics metrics;

    public ImportTracker(RunLedger ledger, SyncState sync, ProcessReports reports, Duration importTimeout, ExportMetrics metrics) {
        this.metrics = metrics;
        this.ledger = ledger;
        this.sync = sync;
        this.reports = reports;
        this.importTimeout = importTimeout;
    }

    /** Brevo accepted an import: its process is followed from now (and its latency measured). */
    void accepted(long processId) {
        metrics.importAccepted(processId);
    }

    /** Imports an interrupted run of this export sent (the server was killed) but never saw end. */
    public List<Map<String, Object>> unconfirmedImports(@ExchangeProperty("run") ExportRun run) throws SQLException {
        List<Map<String, Object>> imports = ledger.rows().unconfirmedImports(run.getExport().id());
        if (!imports.isEmpty()) {
            LOG.info("Export {} run {}: looking up {} import(s) an interrupted run sent, so what Brevo has is not sent again", run.getExport().id(),
                    run.getId(), imports.size());
        }
        return imports;
    }

    /** Brevo's answer about one of them (GET /v3/processes/{id}): its end is recorded as if its own run had seen it. */
    public void earlierImportEnded(Exchange exchange, @ExchangeProperty("run") ExportRun run, @ExchangeProperty("unconfirmed") Map<String, Object> batch)
            throws SQLException {
        BrevoAnswers.Process process = BrevoAnswers.processes(exchange.getIn().getBody(Map.class)).get(0);
        if (process.ended()) {
            processEnded(null, ((Number) batch.get("runId")).longValue(), run.getExport().id(), run.getExport().connection(), process);
        }
    }

    /** Brevo answered 404 (document_not_found; invalid_parameter before 2026-04) for an import process (look-up-process): the answer of one that ended lost. */
    public Map<String, Object> lost(@ExchangeProperty("processId") long processId) {
        return Map.of("id", processId, "status", BrevoAnswers.LOST, "error", "Brevo answered 404: it no longer knows the process");
    }

    /** A look at the run's imports begins: it reads the pages of processes that show those pending now. */
    public ProcessLook look(@ExchangeProperty("run") ExportRun run) {
        return new ProcessLook(run.pending().keySet());
    }

    /**
     * An answer of GET /v3/processes (a page of the look) or /v3/processes/{id}, or none (null: Brevo did not answer,
     * the look ends): the run's processes that ended are recorded.
     */
    public void processesPolled(Exchange exchange, @ExchangeProperty("run") ExportRun run, @ExchangeProperty("look") ProcessLook look) throws SQLException {
        Map<?, ?> answer = exchange.getIn().getBody(Map.class);
        if (answer == null) {
            look.failed();
            return;
        }
        List<BrevoAnswers.Process> processes = BrevoAnswers.processes(answer);
        for (BrevoAnswers.Process process : processes) {
            if (process.ended() && run.done(process.id())) {
                processEnded(run, run.getId(), run.getExport().id(), run.getExport().connection(), process);
            }
        }
        if (!answer.containsKey("id")) {
            look.read(processes, run.pending().keySet());
        }
    }

    /**
     * A completed import makes its rows the sync state, but those its reports refused (ProcessReports); any other end
     * (failed, cancelled, or a status Brevo does not document, such as error or aborted) fails them, to be sent again.
     */
    private void processEnded(ExportRun run, long runId, String exportId, String connection, BrevoAnswers.Process process) throws SQLException {
        String status = process.status();
        Integer batchNo = ledger.rows().processEnded(runId, process.id(), status, process.error());
        if (batchNo == null) {
            return;
        }
        if (run != null) {
            metrics.importEnded(connection, process.id(), status);
        }
        if (process.completed()) {
            reports.completed(run, runId, exportId, connection, batchNo, process);
            return;
        }
        if (run != null) {
            run.importFailed();
        }
        boolean documented = BrevoAnswers.DOCUMENTED_ENDS.contains(status) || BrevoAnswers.LOST.equals(status) || TIMEOUT.equals(status);
        if (!documented && UNKNOWN_STATUSES.add(status)) {
            LOG.warn("Brevo answered an import status it does not document, '{}': taken as the import's unsuccessful end", status);
        }
        String reason = "Brevo import process " + process.id() + " " + (documented ? status : "ended with status '" + status + "'")
                + (process.error() == null ? "" : ": " + process.error());
        String code = "process_" + (documented ? status : "failed");
        LOG.warn("Export {} run {}: {}; its rows are sent again", exportId, runId, reason);
        if (BrevoAnswers.LOST.equals(status) || TIMEOUT.equals(status)) {
            // not the rows' fault: no attempt is charged
            ledger.rows().batchFailed(runId, exportId, batchNo, "failed", code, reason, false);
        } else {
            batchFailed(runId, exportId, batchNo, "failed", code, reason, false);
        }
    }

    /** Every row of the batch did not reach Brevo: the sync state counts the failure, the ledger records the rows. */
    void batchFailed(long runId, String exportId, int batchNo, String outcome, String code, String reason, boolean permanent) throws SQLException {
        sync.failed(exportId, runId, batchNo, reason);
        ledger.rows().batchFailed(runId, exportId, batchNo, outcome, code, reason, permanent);
    }

    /** Brevo refused the batch's request as a whole: its rows are recorded failed, but not charged an attempt. */
    void batchRefused(long runId, String exportId, int batchNo, String code, String reason) throws SQLException {
        ledger.rows().batchFailed(runId, exportId, batchNo, "failed", code, reason, true);
    }

    /** A look at the imports made between batches is over: the run may look again, and its end waits for none. */
    public void lookEnded(@ExchangeProperty("run") ExportRun run) {
        run.lookEnded();
    }

    /**
     * await-imports' loop: true while the run's imports are pending and the wait has not timed out; a run canceled
     * meanwhile (through any server) stops waiting at once: its unfinished imports are looked up by the next run.
     */
    public boolean awaiting(@ExchangeProperty("run") ExportRun run) throws SQLException {
        if (!run.isAwaitingImports()) {
            return false;
        }
        if (run.isCanceled() || ledger.cancelRequested(run.getId())) {
            run.cancel();
            LOG.warn("Export {} run {} canceled while waiting for {} imports; the next run looks them up", run.getExport().id(), run.getId(),
                    run.pending().size());
            return false;
        }
        return true;
    }

    /** The wait for the imports is over: those still unfinished count as failed (a second pass sends them again). */
    public void importsTimedOut(@ExchangeProperty("run") ExportRun run) throws SQLException {
        importsUnfinished(run, "did not finish within " + importTimeout);
    }

    /** The run ends with imports unfinished (why): they count as failed, so the next pass or run sends their rows again. */
    void importsUnfinished(ExportRun run, String why) throws SQLException {
        if (run.isCanceled()) {
            return; // left unconfirmed: the next run looks them up (confirm-interrupted-imports)
        }
        for (Long processId : List.copyOf(run.pending().keySet())) {
            run.done(processId);
            processEnded(run, run.getId(), run.getExport().id(), run.getExport().connection(),
                    new BrevoAnswers.Process(processId, TIMEOUT, why, Map.of(), Map.of()));
        }
    }
}
