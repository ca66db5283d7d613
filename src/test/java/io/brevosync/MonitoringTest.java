package io.brevosync;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What operators watch: the Prometheus metrics after runs, and health that goes DOWN with the database and back UP. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringTest extends ServerTest {

    @Override
    protected TestServer startServer() throws Exception {
        // the server reaches PostgreSQL through a relay the test can cut; API calls wait for a connection 2 s at most
        return TestServer.start(Map.of("test.database-proxy", "true", "db.connect-timeout", "2000"));
    }

    private String metrics() throws Exception {
        var answer = server.api("GET", "/observe/metrics");
        assertEquals(200, answer.statusCode(), answer.body());
        return answer.body();
    }

    /** The value of the sample with exactly these labels (in the order Micrometer writes them: sorted by name). */
    private static double sample(String metrics, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " ([0-9.eE+-]+)$").matcher(metrics);
        assertTrue(m.find(), name + "{" + labels + "} in:\n" + metrics.lines().filter(l -> l.startsWith("brevo_sync")).toList());
        return Double.parseDouble(m.group(1));
    }

    @Test
    @Order(1)
    void each_metric_family_after_a_run() throws Exception {
        assertEquals(401, server.call("GET", "/observe/metrics", null).statusCode(), "the metrics need a token");
        server.sandbox().faults().failNext(429, 2);
        JsonNode run = server.runAndWait("newsletter");
        String metrics = metrics();
        assertEquals(run.get("rowsAdded").asDouble(), sample(metrics, "brevo_sync_rows_total", "export=\"newsletter\",outcome=\"added\""));
        assertEquals(1, sample(metrics, "brevo_sync_runs_total", "export=\"newsletter\",status=\"" + run.get("status").asText() + "\""));
        assertEquals(1, sample(metrics, "brevo_sync_run_duration_seconds_count", "export=\"newsletter\""));
        double lastSuccess = sample(metrics, "brevo_sync_last_success_timestamp_seconds", "export=\"newsletter\"");
        assertTrue(Math.abs(lastSuccess - System.currentTimeMillis() / 1000.0) < 60, "last success " + lastSuccess);
        assertEquals(run.get("batches").asDouble(), sample(metrics, "brevo_sync_brevo_requests_total",
                "connection=\"default\",endpoint=\"POST /contacts/import\",status=\"202\""));
        assertEquals(2, sample(metrics, "brevo_sync_brevo_rate_limited_total", "connection=\"default\""));
        assertTrue(sample(metrics, "brevo_sync_brevo_rate_limit_remaining", "connection=\"default\"") > 0);
        assertEquals(run.get("batches").asDouble(), sample(metrics, "brevo_sync_import_process_seconds_count", "connection=\"default\",status=\"completed\""));
        assertEquals(1, sample(metrics, "brevo_sync_circuit_breaker_state", "state=\"closed\""));
        assertEquals(0, sample(metrics, "brevo_sync_circuit_breaker_state", "state=\"open\""));
        assertTrue(metrics.contains("# TYPE brevo_sync_rows_total counter"), "Prometheus types");
    }

    @Test
    @Order(2)
    void health_goes_down_with_the_database_and_api_calls_answer_503_fast() throws Exception {
        assertEquals(200, server.call("GET", "/observe/health", null).statusCode());
        server.databaseProxy().cut();
        try {
            TestServer.await("readiness DOWN", Duration.ofSeconds(20), () -> status("/observe/health") == 503);
            String health = server.call("GET", "/observe/health?exposureLevel=full", null).body();
            assertTrue(health.contains("PostgreSQL unreachable"), health);
            long start = System.nanoTime();
            var runs = server.api("GET", "/api/exports/newsletter/runs");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(503, runs.statusCode(), runs.body());
            assertTrue(runs.body().contains("the database is unreachable"), runs.body());
            assertTrue(seconds < 5, "answered after " + seconds + " s");
        } finally {
            server.databaseProxy().restore();
        }
        TestServer.await("readiness UP again", Duration.ofSeconds(30), () -> status("/observe/health") == 200);
        assertEquals(200, server.api("GET", "/api/exports/newsletter/runs").statusCode());
    }

    @Test
    @Order(3)
    void an_invalid_export_file_makes_the_node_not_ready_until_it_is_fixed() throws Exception {
        java.nio.file.Path file = server.exportsDir().resolve("typo.camel.yaml");
        java.nio.file.Files.writeString(file, TestServer.exportFile(Map.of("exportId", "typo", "listId", "1", "segments", "vip", "mapping", "EMAIL=emial")));
        server.api("POST", "/api/exports/reload");
        assertEquals(503, status("/observe/health"));
        String health = server.call("GET", "/observe/health?exposureLevel=full", null).body();
        assertTrue(health.contains("1 invalid export file(s): Export 'typo' is misconfigured"), health);
        java.nio.file.Files.delete(file);
        server.api("POST", "/api/exports/reload");
        assertEquals(200, status("/observe/health"));
    }

    private int status(String path) {
        try {
            return server.call("GET", path, null).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
