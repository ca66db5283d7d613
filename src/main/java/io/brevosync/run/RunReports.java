package io.brevosync.run;

import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.brevosync.Refusal;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportFiles;
import io.brevosync.export.ExportRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP API and the retention route read from the ledger: exports with their last run, runs, a run's rows by
 * outcome (JSON pages or CSV); and the ledger's clean-up.
 */
public final class RunReports {

    private static final Logger LOG = LoggerFactory.getLogger(RunReports.class);
    static final List<String> ROW_OUTCOMES = List.of("added", "updated", "rejected", "failed", "dead", "pending", "removed", "moved", "kept",
            "discarded", "superseded", "skipped", "retried", "adjusted", "no_consent");

    private final ExportRegistry exports;
    private final ExportFiles files;
    private final RunLedger ledger;
    private final RunControl runs;
    private final Duration runWait;

    /** runWait: how long POST …/runs?wait=true holds its HTTP worker thread before it answers 202 (api.run-wait) */
    public RunReports(ExportRegistry exports, ExportFiles files, RunLedger ledger, RunControl runs, Duration runWait) {
        this.exports = exports;
        this.runWait = runWait;
        this.files = files;
        this.ledger = ledger;
        this.runs = runs;
    }

    /** GET /api/exports: the exports in force with their file and last run, changes waiting for a run, and the errors of the exports directory. */
    public Map<String, Object> exports() throws SQLException {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        Map<String, Object> waiting = files.waiting();
        for (ExportDefinition export : exports.all()) {
            Map<String, Object> item = new LinkedHashMap<>(export.summary());
            item.put("file", files.fileOf(export.id()));
            if (waiting.containsKey(export.id())) {
                item.put("change", waiting.get(export.id()));
            }
            List<Map<String, Object>> last = ledger.runs(export.id(), 1);
            item.put("lastRun", last.isEmpty() ? null : last.get(0));
            out.add(item);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("directory", files.directory().toString());
        answer.put("exports", out);
        answer.put("errors", files.errors());
        return answer;
    }

    public List<Map<String, Object>> runs(String exportId) throws SQLException {
        exports.get(exportId);
        return ledger.runs(exportId, 50);
    }

    /** A run's report: the ledger's record (with the consent policy it ran under) and its live progress while it runs. */
    public Map<String, Object> run(String exportId, String runId) throws SQLException {
        Map<String, Object> answer = new LinkedHashMap<>(runs.run(exportId, runId));
        Map<String, Object> progress = runs.progress(Long.parseLong(runId));
        if (progress != null) {
            answer.put("progress", progress);
        }
        answer.put("rows", "/api/exports/" + exportId + "/runs/" + runId + "/rows");
        return answer;
    }

    /**
     * POST …/runs?wait=true: the run's report once it has ended; null (the caller answers 202 with its location) without
     * ?wait=true, or when it still runs after api.run-wait, so no HTTP worker thread is held for a long run.
     */
    public Map<String, Object> awaitEnd(@Header("exportId") String exportId, @ExchangeProperty("runId") long runId, @Header("wait") String wait)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + runWait.toNanos();
        while ("true".equals(wait)) {
            Map<String, Object> run = run(exportId, String.valueOf(runId));
            // finished_at, not the status: a braked run is needs_confirmation before its counts are in
            if (run.get("finishedAt") != null) {
                return run;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(50);
        }
        return null;
    }

    /** GET …/runs/{runId}/rows?outcome=failed,rejected&limit=100&offset=0: the run's rows, by outcome, paged. */
    public Map<String, Object> rows(@Header("exportId") String exportId, @Header("runId") String runId, @Header("outcome") String outcome,
            @Header("limit") String limit, @Header("offset") String offset) throws SQLException {
        long id = ((Number) runs.run(exportId, runId).get("id")).longValue();
        List<String> outcomes = outcomes(outcome);
        int pageSize = (int) bounded("limit", limit, 100, 1, 10_000);
        long from = bounded("offset", offset, 0, 0, Long.MAX_VALUE);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("runId", id);
        page.put("outcomes", outcomes.isEmpty() ? ROW_OUTCOMES : outcomes);
        page.put("limit", pageSize);
        page.put("offset", from);
        page.put("rows", ledger.rows().rows(id, outcomes, pageSize, from));
        return page;
    }

    /** GET …/runs/{runId}/rows.csv: the rows as CSV (default: rejected, failed and dead), for a spreadsheet. */
    public String rowsCsv(Exchange exchange, @Header("exportId") String exportId, @Header("runId") String runId, @Header("outcome") String outcome)
            throws SQLException {
        long id = ((Number) runs.run(exportId, runId).get("id")).longValue();
        List<String> outcomes = outcome == null || outcome.isBlank() ? List.of("rejected", "failed", "dead") : outcomes(outcome);
        StringBuilder csv = new StringBuilder("profile_id,email,action,outcome,code,reason,attempts\r\n");
        for (long offset = 0;; offset += 10_000) {
            List<Map<String, Object>> rows = ledger.rows().rows(id, outcomes, 10_000, offset);
            for (Map<String, Object> row : rows) {
                csv.append(Stream.of("profileId", "email", "action", "outcome", "code", "reason", "attempts").map(k -> csvField(row.get(k)))
                        .collect(Collectors.joining(","))).append("\r\n");
            }
            if (rows.size() < 10_000) {
                break;
            }
        }
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/csv; charset=utf-8");
        exchange.getMessage().setHeader("Content-Disposition", "attachment; filename=\"" + exportId + "-run-" + id + "-rows.csv\"");
        return csv.toString();
    }

    /** Retention: the ledger keeps finished runs this many days. */
    public void clean(@ExchangeProperty("retentionDays") int days) throws SQLException {
        int deleted = ledger.deleteOlderThan(days);
        if (deleted > 0) {
            LOG.info("Ledger retention: {} run(s) older than {} days deleted with their rows", deleted, days);
        }
    }

    private static List<String> outcomes(String outcome) {
        List<String> outcomes = outcome == null ? List.of() : Stream.of(outcome.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList();
        for (String o : outcomes) {
            if (!ROW_OUTCOMES.contains(o)) {
                throw new Refusal.Invalid("outcome '" + o + "' is not one of " + ROW_OUTCOMES);
            }
        }
        return outcomes;
    }

    private static long bounded(String name, String value, long defaultValue, long min, long max) {
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Refusal.Invalid(name + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
    }

    /** Quoted when needed; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
    private static String csvField(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (!text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        return text.matches(".*[\",\r\n].*") || text.contains("\n") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }
}
