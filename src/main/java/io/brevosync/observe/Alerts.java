package io.brevosync.observe;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * The alert state of every export, in PostgreSQL: each rule (a failed run, rejected rows, a long run, a braked run
 * waiting, no successful run for too long) fires once when it starts to hold and once more, as a recovery, when it
 * stops; never again in between, whatever the number of runs or nodes. The routes deliver what this answers
 * (routes/alerts.camel.yaml).
 */
public final class Alerts {

    private final Jdbc db;
    private final ExportRegistry exports;
    private final AlertRules defaults;

    public Alerts(Jdbc db, ExportRegistry exports, AlertRules defaults) {
        this.db = db;
        this.exports = exports;
        this.defaults = defaults;
    }

    /** After a run (its summary): the alerts whose state it changed. */
    public List<Map<String, Object>> runEnded(@Body Map<String, Object> run, @ExchangeProperty("export") ExportDefinition export) throws SQLException {
        AlertRules rules = defaults.with(export.alerts());
        List<Map<String, Object>> alerts = new ArrayList<>();
        String status = String.valueOf(run.get("status"));
        String id = export.id();
        Object runId = run.get("id");
        if (rules.silenced() || status.equals("canceled") || status.equals("needs_confirmation")) {
            return alerts;
        }
        boolean failed = status.startsWith("failed");
        change(alerts, id, "failed", failed, failed ? "run " + runId + " " + status + ": " + run.get("message") : "run " + runId + " " + status);
        // of the export's rows, not of those sent: a rerun sends little, but rejects again every row not yet fixed
        long rows = number(run, "rowsRead");
        long bad = number(run, "rowsRejected") + number(run, "rowsFailed") + number(run, "rowsDead");
        double percent = rows == 0 ? 0 : bad * 100.0 / rows;
        change(alerts, id, "rejected", percent > rules.rejectedPercent(), String.format("run %s: %d of %d rows rejected or failed (%.1f %%, alert above %s %%)",
                runId, bad, rows, percent, rules.rejectedPercent()));
        Duration took = ExportMetrics.took(run);
        change(alerts, id, "runtime", took.compareTo(rules.runtime()) > 0, String.format("run %s took %.1f s (alert above %.1f s)", runId,
                took.toMillis() / 1000.0, rules.runtime().toMillis() / 1000.0));
        return alerts;
    }

    /** On a schedule: exports without a successful run for too long, braked runs waiting too long for a decision. */
    public List<Map<String, Object>> check() throws SQLException {
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (ExportDefinition export : exports.all()) {
            AlertRules rules = defaults.with(export.alerts());
            if (rules.silenced() || !export.enabled()) {
                continue;
            }
            Map<String, Object> last = db.queryOne("select max(finished_at) as at, extract(epoch from now() - max(finished_at)) as age from export_run "
                    + "where export_id = ? and status like 'succeeded%'", export.id()).orElseThrow();
            boolean stale = last.get("at") == null ? false : ((Number) last.get("age")).doubleValue() > rules.stale().toMillis() / 1000.0;
            change(alerts, export.id(), "stale", stale, "last successful run at " + last.get("at") + " (alert after " + rules.stale().toSeconds() + " s)");
            Map<String, Object> braked = db.queryOne("select min(id) as id, extract(epoch from now() - min(finished_at)) as age from export_run "
                    + "where export_id = ? and status = 'needs_confirmation'", export.id()).orElseThrow();
            boolean waiting = braked.get("id") != null && ((Number) braked.get("age")).doubleValue() > rules.brakeWait().toMillis() / 1000.0;
            change(alerts, export.id(), "brake", waiting, waiting ? "run " + braked.get("id") + " has waited " + Math.round(((Number) braked.get("age"))
                    .doubleValue()) + " s for its removals to be confirmed or discarded" : "no braked run waiting");
        }
        return alerts;
    }

    /** Records the rule's state; adds an alert when it changed (a first state that does not fire is no alert). */
    private void change(List<Map<String, Object>> alerts, String exportId, String rule, boolean firing, String message) throws SQLException {
        List<Map<String, Object>> changed = db.query("insert into alert_state as a (export_id, rule, firing, message) values (?, ?, ?, ?) "
                + "on conflict (export_id, rule) do update set firing = excluded.firing, since = now(), message = excluded.message "
                + "where a.firing <> excluded.firing returning (xmax = 0) as inserted", exportId, rule, firing, message);
        if (changed.isEmpty() || Boolean.TRUE.equals(changed.get(0).get("inserted")) && !firing) {
            return;
        }
        alerts.add(Map.of("exportId", exportId, "rule", rule, "state", firing ? "firing" : "resolved",
                "text", (firing ? "[ALERT] " : "[RESOLVED] ") + "export " + exportId + ", " + rule + ": " + message));
    }

    private static long number(Map<String, Object> run, String field) {
        return run.get(field) instanceof Number n ? n.longValue() : 0;
    }
}
