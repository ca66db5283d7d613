package io.brevosync.run;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.brevosync.Refusal;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.brevo.RateWindow;
import io.brevosync.db.Outage;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.ImportBatcher;
import io.brevosync.observe.ExportMetrics;
import io.brevosync.sync.SyncState;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's life on this server: opened with its live state ({@link ExportRun}), canceled, closed with its counts and
 * status, and a braked run taken up again to confirm or discard its removals. Its reports are in {@link RunReports}.
 */
public final class RunControl {

    private static final Logger LOG = LoggerFactory.getLogger(RunControl.class);

    private final ExportRegistry exports;
    private final ImportBatcher batcher;
    private final RunLedger ledger;
    private final SyncState sync;
    private final RunLocks locks;
    private final ImportTracker tracker;
    private final ExportMetrics metrics;
    private final Duration pollFirst;
    private final Duration pollMax;
    private final Duration importTimeout;
    /** connection name -> what Brevo last said of its /v3/processes budget */
    private final Function<String, RateWindow> processWindows;
    private final Map<Long, ExportRun> live = new ConcurrentHashMap<>();
    private final Outage outage;

    public RunControl(ExportRegistry exports, ImportBatcher batcher, RunLedger ledger, SyncState sync, RunLocks locks, ImportTracker tracker,
            Duration pollFirst, Duration pollMax, Duration importTimeout, Function<String, RateWindow> processWindows, ExportMetrics metrics, Outage outage) {
        this.processWindows = processWindows;
        this.metrics = metrics;
        this.outage = outage;
        this.exports = exports;
        this.batcher = batcher;
        this.ledger = ledger;
        this.sync = sync;
        this.locks = locks;
        this.tracker = tracker;
        this.pollFirst = pollFirst;
        this.pollMax = pollMax;
        this.importTimeout = importTimeout;
    }

    /** Opens the run: sets the properties the route uses. */
    public void begin(Exchange exchange) throws SQLException {
        long runId = exchange.getProperty("runId", Long.class);
        ExportDefinition export = exports.get(exchange.getProperty("exportId", String.class));
        // the properties first: if the database fails below, the run's doFinally can still close it
        open(exchange, runId, export, exchange.getProperty("fullResync", false, Boolean.class));
        ledger.started(runId, export.quality().consentPolicy());
        if (!export.quality().hasConsentColumn()) {
            LOG.info("Export {} run {}: no consent column; consent policy: {}", export.id(), runId, export.quality().consentPolicy());
        }
        int superseded = ledger.supersede(export.id(), runId);
        if (superseded > 0) {
            LOG.warn("Export {} run {}: the removals of {} earlier run(s) were never confirmed; this run works them out again", export.id(), runId, superseded);
        }
    }

    private void open(Exchange exchange, long runId, ExportDefinition export, boolean full) throws SQLException {
        ExportRun run = new ExportRun(runId, export, full, new ImportWait(pollFirst, pollMax, importTimeout, processWindows.apply(export.connection())));
        run.expect(ledger.lastRowsRead(export.id(), full));
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

    /** Takes up a run the brake stopped, so its removals can be carried out (confirm) or dropped (discard). */
    public void resume(Exchange exchange, @Header("exportId") String exportId, @Header("runId") String runId) throws SQLException {
        Map<String, Object> run = run(exportId, runId);
        long id = ((Number) run.get("id")).longValue();
        if (!RunStatus.NEEDS_CONFIRMATION.code().equals(run.get("status"))) {
            throw new Refusal.Conflict("run " + id + " is " + run.get("status") + ", not needs_confirmation");
        }
        Long latest = ledger.latestRun(exportId);
        if (latest != null && latest != id) {
            throw new Refusal.Conflict("run " + latest + " is newer: its own removals replace those of run " + id);
        }
        ExportDefinition export = exports.get(exportId);
        if (!ledger.resume(id)) {
            throw new Refusal.Conflict("Brevo list " + export.listId() + " is being written by " + ledger.activeRun(export.connection(), export.listId()));
        }
        locks.hold(id);
        exchange.setProperty("runId", id);
        exchange.setProperty("confirmed", true);
        open(exchange, id, export, false);
    }

    /** The removals of a resumed run are not wanted: they are recorded as discarded. */
    public void discard(@ExchangeProperty("run") ExportRun run) throws SQLException {
        long pending = ledger.rows().pendingRemovals(run.getId());
        LOG.warn("Export {} run {}: {} removals discarded", run.getExport().id(), run.getId(), pending);
        ledger.rows().settleRemovals(run.getId(), "discarded", "discarded through the API; the next run works the removals out again");
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

    /** DELETE …/runs/{runId}: the run stops after the batch in flight (202), or 409 when it is not active. */
    public Map<String, Object> cancel(@Header("exportId") String exportId, @Header("runId") String runId, @ExchangeProperty("callerName") String caller)
            throws SQLException {
        long id = ((Number) run(exportId, runId).get("id")).longValue();
        if (!ledger.requestCancel(id, "through the API by " + caller)) {
            throw new Refusal.Conflict("run " + id + " is not active; only a queued or running run can be canceled");
        }
        LOG.info("Export {} run {}: cancellation asked for through the API", exportId, id);
        return Map.of("exportId", exportId, "runId", id, "status", "canceling", "href", "/api/exports/" + exportId + "/runs/" + id);
    }

    /**
     * The run itself failed (the query, the database): the reason is kept for its summary, and whether trying again
     * may help (the database out of reach: status failed) or not (a broken query: failed_permanent).
     */
    public void failed(Exchange exchange, @ExchangeProperty("run") ExportRun run) {
        Exception error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = BrevoFailures.describe(error);
        LOG.error("Export {} run {} failed: {}", run.getExport().id(), run.getId(), reason);
        boolean outageOn = outage.explains(error);
        exchange.setProperty("runError", outageOn ? "the database is unreachable (" + reason + "); the next run tries again" : reason);
        exchange.setProperty("runRetryable", outageOn);
    }

    /**
     * Closes the run; imports still unfinished after the timeout count as failed. Leaves the summary in the body. The
     * database going away meanwhile is waited out for db.outage-wait; if it is not back by then the run stays open
     * in the ledger, and the next run, on any server, finds its lock gone and closes it as interrupted.
     */
    public Map<String, Object> finish(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws Exception {
        try {
            // a run that failed while reading may still have a batch in flight, or a look at the processes: they end first
            run.awaitLook();
            run.awaitSend();
        } catch (Exception e) {
            exchange.setProperty("runError", exchange.getProperty("runError", BrevoFailures.describe(e), String.class));
        }
        batcher.discard(run.getId());
        String error = exchange.getProperty("runError", run.refusal(), String.class);
        boolean retryable = error != null && run.refusal() == null && exchange.getProperty("runRetryable", false, Boolean.class);
        Map<String, Object> summary;
        try {
            summary = outage.waitOut("closing run " + run.getId(), () -> close(run, error, retryable));
        } finally {
            live.remove(run.getId());
            locks.release(run.getId());
        }
        metrics.runEnded(run.getExport().id(), summary);
        LOG.info("Export {} run {} {}: {} rows in the segments: {} added, {} updated, {} unchanged, {} removed, {} rejected, {} without consent, "
                + "{} failed, {} dead, {} adjusted; {} batches ({} failed), {} invalid emails per Brevo; {} other addresses unlinked, {} unlinks owed",
                run.getExport().id(), run.getId(), summary.get("status"), summary.get("rowsRead"), summary.get("rowsAdded"), summary.get("rowsUpdated"),
                summary.get("rowsUnchanged"), summary.get("rowsRemoved"), summary.get("rowsRejected"), summary.get("rowsWithoutConsent"),
                summary.get("rowsFailed"), summary.get("rowsDead"), summary.get("rowsAdjusted"), summary.get("batches"), summary.get("batchesFailed"),
                summary.get("invalidEmails"), summary.get("rowsUnlinked"), summary.get("unlinksOwed"));
        return summary;
    }

    /** The run's end in the ledger: its unfinished imports, its removals, its counts and status. */
    private Map<String, Object> close(ExportRun run, String error, boolean retryable) throws SQLException {
        if (error != null) {
            tracker.importsUnfinished(run, "unfinished when the run failed");
        } else {
            tracker.importsTimedOut(run);
        }
        boolean canceled = run.isCanceled() && run.refusal() == null;
        if (error != null || canceled) {
            // a run that did not read everything does not unlink: the next run works the removals out again
            ledger.rows().settleRemovals(run.getId(), "skipped", "the run " + (canceled ? "was canceled" : "failed") + " before removing; the next run removes again");
        }
        sync.unlinked(run.getExport().id(), run.getId());
        String message = error != null ? "run failed: " + error : canceled
                ? "run canceled (" + Objects.requireNonNullElse(ledger.cancelReason(run.getId()), "reason not recorded") + ") after " + run.batchesSent() + " batches"
                : null;
        return ledger.finish(run.getId(), run.rowsRead(), run.unchanged(), canceled, error, retryable, message);
    }

    /**
     * The server is stopping: the runs in progress here stop after their batch in flight, as if canceled, and close
     * their ledger while the database is still there; waits for them up to the given time. Their unfinished imports
     * are looked up by the next run, on whichever server.
     */
    public void stopAll(Duration wait) {
        if (live.isEmpty()) {
            return;
        }
        LOG.warn("The server is stopping: {} run(s) in progress stop after their batch in flight", live.size());
        for (ExportRun run : live.values()) {
            try {
                ledger.requestCancel(run.getId(), "the server stopped");
            } catch (SQLException e) {
                LOG.warn("Run {}: could not record why it stops: {}", run.getId(), e.getMessage());
            }
            run.cancel();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (!live.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!live.isEmpty()) {
            LOG.warn("Run(s) {} did not end within {} s; the next run takes up what they had not done", live.keySet(), wait.toSeconds());
        }
    }

    /** A run of the export, or 404. */
    Map<String, Object> run(String exportId, String runId) throws SQLException {
        Map<String, Object> run = runId.matches("\\d{1,18}") ? ledger.run(Long.parseLong(runId)) : null;
        if (run == null || !exportId.equals(run.get("exportId"))) {
            throw new Refusal.NotFound("export '" + exportId + "' has no run " + runId);
        }
        return run;
    }

    /** The id of the export's run in progress on this server, or null: a change of its file waits for it. */
    public Long activeRun(String exportId) {
        return live.values().stream().filter(r -> r.getExport().id().equals(exportId)).map(ExportRun::getId).findFirst().orElse(null);
    }

    /** The live counters of a run in progress on this server, or null. */
    Map<String, Object> progress(long runId) throws SQLException {
        ExportRun current = live.get(runId);
        return current == null ? null : current.live(ledger.rows().rowsConfirmed(runId));
    }
}
