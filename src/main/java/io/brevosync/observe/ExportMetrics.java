package io.brevosync.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.brevosync.brevo.BrevoConnections;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of the exports and of Brevo, in the registry Camel serves at /observe/metrics (Prometheus format, names
 * brevo_sync_*): per export, rows by outcome, runs by status, run duration, last successful run; per connection,
 * Brevo requests by endpoint and status, 429s, the rate budget left, import process latency; the circuit breaker.
 */
public final class ExportMetrics implements BrevoConnections.Meter {

    /** the row counts of a run's summary, by the outcome label they are counted under */
    private static final Map<String, String> OUTCOMES = Map.of("added", "rowsAdded", "updated", "rowsUpdated", "unchanged", "rowsUnchanged",
            "removed", "rowsRemoved", "rejected", "rowsRejected", "failed", "rowsFailed", "dead", "rowsDead", "adjusted", "rowsAdjusted",
            "no_consent", "rowsWithoutConsent");
    private static final List<String> BREAKER_STATES = List.of("CLOSED", "OPEN", "HALF_OPEN", "DISABLED", "FORCED_OPEN");

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> rateRemaining = new ConcurrentHashMap<>();
    private final Map<Long, Long> importsAccepted = new ConcurrentHashMap<>();

    public ExportMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The breaker's state as one gauge per state, 1 for the current one; state: the breaker's current state's name. */
    public void breaker(Supplier<String> state) {
        for (String name : BREAKER_STATES) {
            Gauge.builder("brevo.sync.circuit.breaker.state", () -> name.equals(state.get()) ? 1 : 0).tag("state", name.toLowerCase())
                    .description("The circuit breaker in front of Brevo: 1 for its current state").register(registry);
        }
    }

    /** A run ended (its summary): its rows by outcome, its status, its duration and, if it succeeded, when. */
    public void runEnded(String exportId, Map<String, Object> summary) {
        OUTCOMES.forEach((outcome, field) -> {
            if (summary.get(field) instanceof Number n && n.longValue() > 0) {
                Counter.builder("brevo.sync.rows").tags("export", exportId, "outcome", outcome).description("Rows of runs, by outcome")
                        .register(registry).increment(n.doubleValue());
            }
        });
        String status = String.valueOf(summary.get("status"));
        Counter.builder("brevo.sync.runs").tags("export", exportId, "status", status).description("Runs ended, by status").register(registry).increment();
        Timer.builder("brevo.sync.run.duration").tag("export", exportId).description("How long runs took").register(registry).record(took(summary));
        if (status.startsWith("succeeded")) {
            lastSuccess.computeIfAbsent(exportId, id -> registry.gauge("brevo.sync.last.success.timestamp.seconds",
                    io.micrometer.core.instrument.Tags.of("export", id), new AtomicLong())).set(Instant.now().getEpochSecond());
        }
    }

    @Override
    public void answered(String connection, String method, String path, int status, Long remaining) {
        Counter.builder("brevo.sync.brevo.requests").tags("connection", connection, "endpoint", method + " " + endpoint(path), "status", String.valueOf(status))
                .description("Requests to Brevo, by endpoint and status").register(registry).increment();
        if (status == 429) {
            Counter.builder("brevo.sync.brevo.rate.limited").tag("connection", connection).description("429 answers of Brevo (waited out and sent again)")
                    .register(registry).increment();
        }
        if (remaining != null) {
            rateRemaining.computeIfAbsent(connection, c -> registry.gauge("brevo.sync.brevo.rate.limit.remaining",
                    io.micrometer.core.instrument.Tags.of("connection", c), new AtomicLong())).set(remaining);
        }
    }

    /** How long a finished run took, from its summary (zero for one that never started). */
    static Duration took(Map<String, Object> run) {
        return run.get("startedAt") == null || run.get("finishedAt") == null ? Duration.ZERO
                : Duration.between(Instant.parse((String) run.get("startedAt")), Instant.parse((String) run.get("finishedAt")));
    }

    /** Brevo accepted an import: its process's latency counts from now. */
    public void importAccepted(long processId) {
        importsAccepted.put(processId, System.nanoTime());
    }

    /** The import's process ended (completed, failed or timed out). */
    public void importEnded(String connection, long processId, String status) {
        Long accepted = importsAccepted.remove(processId);
        if (accepted != null) {
            Timer.builder("brevo.sync.import.process").tags("connection", connection, "status", status)
                    .description("From Brevo accepting an import to the end of its process").register(registry)
                    .record(Duration.ofNanos(System.nanoTime() - accepted));
        }
    }

    /** A report a completed import linked to (its kind: invalid_emails, duplicate_phone_id…) was read, or could not be (unreadable). */
    public void importReport(String connection, String kind, boolean read) {
        Counter.builder("brevo.sync.import.reports").tags("connection", connection, "report", kind, "outcome", read ? "read" : "unreadable")
                .description("Reports of completed imports (links to CSV files), read or not").register(registry).increment();
    }

    /** /contacts/lists/12/contacts/remove → /contacts/lists/{id}/contacts/remove; the query string goes. */
    static String endpoint(String path) {
        String bare = path == null ? "" : path.replaceFirst("\\?.*", "");
        return bare.replaceAll("/\\d+(?=/|$)", "/{id}").replaceAll("^/contacts/(?!lists|import|attributes)[^/]+$", "/contacts/{identifier}");
    }
}
