package io.brevosync.run;

import java.sql.SQLException;
import java.util.Map;

import io.brevosync.Refusal;
import io.brevosync.access.ConnectionPolicies;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may start a run, and when: HTTP, start-up and schedule triggers queue a run unless the export is disabled or its
 * Brevo list is being written (one active run per list of a connection, a unique index in PostgreSQL); runs a stopped
 * server left active are closed as interrupted.
 */
public final class RunAdmission {

    private static final Logger LOG = LoggerFactory.getLogger(RunAdmission.class);

    private final ExportRegistry exports;
    private final RunLedger ledger;
    private final RunLocks locks;
    private final ConnectionPolicies connections;

    public RunAdmission(ExportRegistry exports, RunLedger ledger, RunLocks locks, ConnectionPolicies connections) throws SQLException {
        this.exports = exports;
        this.connections = connections;
        this.ledger = ledger;
        this.locks = locks;
        closeAbandoned();
    }

    /** The 202 answer of an HTTP trigger. */
    public Map<String, Object> accepted(@ExchangeProperty("exportId") String exportId, @ExchangeProperty("runId") long runId) {
        return Map.of("exportId", exportId, "runId", runId, "status", RunStatus.QUEUED.code(), "href", "/api/exports/" + exportId + "/runs/" + runId);
    }

    /**
     * Queues a run of the export (HTTP and start-up triggers); 409 when one is already active, when it is disabled, or
     * when its connection may not run (no consent, disabled). A full resync (exchange property fullResync) sends
     * unchanged profiles too. The run records who started it: the API's caller, else the trigger (schedule, startup).
     */
    public long trigger(@ExchangeProperty("exportId") String exportId, @ExchangeProperty("trigger") String trigger,
            @ExchangeProperty("fullResync") Boolean fullResync, @ExchangeProperty("callerName") String caller) throws SQLException {
        ExportDefinition export = exports.get(exportId);
        if (!export.enabled()) {
            throw new Refusal.Conflict("export '" + exportId + "' is disabled (enabled: false in its route file)");
        }
        connections.checkRunnable(export.connection());
        String startedBy = caller != null ? caller : trigger;
        boolean full = Boolean.TRUE.equals(fullResync);
        Long runId = ledger.create(exportId, export.connection(), export.listId(), trigger, startedBy, full);
        if (runId == null && closeAbandoned() > 0) {
            runId = ledger.create(exportId, export.connection(), export.listId(), trigger, startedBy, full);
        }
        if (runId == null) {
            throw new Refusal.Conflict("Brevo list " + export.listId() + " of connection '" + export.connection() + "' is being written by "
                    + ledger.activeRun(export.connection(), export.listId()));
        }
        locks.hold(runId);
        return runId;
    }

    /**
     * A Quartz trigger (the export's cron: schedule; its reconcileCron: reconcile): a disabled export ignores it; a
     * fire that finds a run in progress is recorded as skipped.
     */
    public Long schedule(@ExchangeProperty("exportId") String exportId, @ExchangeProperty("trigger") String trigger) throws SQLException {
        if (!exports.get(exportId).enabled()) {
            return null;
        }
        try {
            return trigger(exportId, trigger, false, null);
        } catch (Refusal e) {
            LOG.warn("Scheduled run of export {} skipped: {}", exportId, e.getMessage());
            ledger.skipped(exportId, trigger, e.getMessage());
            return null;
        }
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
}
