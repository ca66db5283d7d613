package io.brevosync;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.sandbox.RequestLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Brevo failing: retried then delivered; exhausted batches dead-lettered with every row recorded; the breaker opening. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportErrorsTest {

    private static final String IMPORT = "POST /v3/contacts/import";

    private TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(Map.of("camel.main.routes-include-pattern", "classpath:routes/*.camel.yaml,classpath:test-routes/test-exports.camel.yaml",
                "sandbox.lists", "Newsletter,Small,Big", "camel.resilience4j.wait-duration-in-open-state", "2",
                // the retry tests fail up to 7 of their first 10 calls: only the last test should open the breaker
                "camel.resilience4j.failure-rate-threshold", "90"));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    @AfterEach
    void clearFaults() {
        server.sandbox().faults().clear();
        server.sandbox().requests().clear();
    }

    @Test
    @Order(1)
    void a_batch_that_fails_for_a_while_is_retried_and_delivered() throws Exception {
        server.sandbox().faults().failNext(500, 1).failNext(503, 1);
        JsonNode summary = server.runAndWait("newsletter");
        assertEquals("succeeded_with_rejections", summary.get("status").asText());
        assertEquals(0, summary.get("rowsFailed").asInt());
        assertEquals(1, imports(500));
        assertEquals(1, imports(503));
        assertEquals(1, imports(202), "then accepted once");
    }

    @Test
    @Order(2)
    void an_exhausted_batch_is_dead_lettered_with_its_rows_and_the_other_batches_are_delivered() throws Exception {
        // 1 attempt + 4 redeliveries = 5 failures: exactly the first batch is exhausted
        server.sandbox().faults().failNext(500, 5);
        JsonNode summary = server.runAndWait("small");
        long runId = summary.get("id").asLong();
        assertEquals("failed", summary.get("status").asText());
        assertEquals(1, summary.get("batchesFailed").asInt());
        assertTrue(summary.get("batches").asInt() > 3, "several batches of 250 rows");
        assertEquals(250, summary.get("rowsFailed").asInt());
        assertEquals(5, imports(500));

        List<String> failed = server.strings("select email from export_row where run_id = " + runId + " and outcome = 'failed'");
        List<String> reasons = server.strings("select distinct reason from export_row where run_id = " + runId + " and outcome = 'failed'");
        assertEquals(List.of("Brevo answered 500: {\"code\":\"internal_error\",\"message\":\"Sandbox fault switch: 500\"}"), reasons);
        Set<String> members = new TreeSet<>();
        server.sandbox().account("default").members(2).forEach(m -> members.add((String) m.get("email")));
        assertTrue(failed.stream().noneMatch(members::contains), "the dead-lettered rows did not reach the list");
        assertEquals(summary.get("rowsDelivered").asInt(), members.size());
        assertEquals(summary.get("rowsRead").asLong(), summary.get("rowsDelivered").asLong() + summary.get("rowsRejected").asLong() + 250,
                "every row is delivered, rejected or failed");
        // the run's answer lists them too
        JsonNode run = TestServer.JSON.readTree(server.api("GET", "/api/exports/small/runs/" + runId).body());
        assertTrue(run.get("notDelivered").toString().contains("\"outcome\":\"failed\""));
    }

    @Test
    @Order(3)
    void a_failed_import_process_counts_its_rows_as_failed() throws Exception {
        server.sandbox().faults().failNextImports(1);
        JsonNode summary = server.runAndWait("small");
        assertEquals("failed", summary.get("status").asText());
        assertEquals(250, summary.get("rowsFailed").asInt());
        List<String> reasons = server.strings("select distinct reason from export_row where run_id = " + summary.get("id").asLong()
                + " and outcome = 'failed'");
        assertEquals(1, reasons.size());
        assertTrue(reasons.get(0).matches("Brevo import process \\d+ failed: .*"), reasons.get(0));
    }

    @Test
    @Order(3)
    void a_run_whose_query_fails_ends_failed_with_the_reason_and_does_not_stay_locked() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            JsonNode summary = server.runAndWait("broken-query");
            assertEquals("failed", summary.get("status").asText());
            assertTrue(summary.get("message").asText().contains("relation \"no_such_table\" does not exist"), summary.toString());
            assertEquals(0, summary.get("rowsRead").asInt());
        }
    }

    @Test
    @Order(4)
    void batches_never_exceed_the_byte_limit_even_with_10_kb_values() throws Exception {
        server.sql("""
                insert into profile (id, email, last_name, city)
                  select 100000 + i, 'big' || i || '@example.com', 'Big', repeat('x', 10000) from generate_series(1, 300) i;""");
        JsonNode summary = server.runAndWait("big");
        assertEquals("succeeded", summary.get("status").asText(), summary.toString());
        assertEquals(300, summary.get("rowsDelivered").asInt());
        List<RequestLog.Entry> imports = server.sandbox().requests().entries().stream().filter(e -> e.endpoint().equals(IMPORT)).toList();
        assertTrue(imports.size() >= 30, "300 rows of 10 kB need 30+ requests of at most 100 kB, got " + imports.size());
        assertTrue(imports.stream().allMatch(e -> e.requestBytes() <= 100_000), "every body within 100,000 bytes");
        assertTrue(imports.stream().anyMatch(e -> e.requestBytes() > 90_000), "and batches are filled, not one row each");
        Map<?, ?> attributes = (Map<?, ?>) server.sandbox().account("default").members(3).get(0).get("attributes");
        assertEquals(10_000, ((String) attributes.get("CITY")).length());
    }

    @Test
    @Order(5)
    void the_api_key_never_appears_in_logs_or_answers_even_when_brevo_fails() throws Exception {
        StringBuilder logged = new StringBuilder();
        var context = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        var appender = new org.apache.logging.log4j.core.appender.AbstractAppender("capture", null, null, true,
                org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
            @Override
            public void append(org.apache.logging.log4j.core.LogEvent event) {
                synchronized (logged) {
                    logged.append(event.getMessage().getFormattedMessage()).append('\n');
                    if (event.getThrown() != null) {
                        for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
                            logged.append(t).append('\n');
                        }
                    }
                }
            }
        };
        appender.start();
        context.getRootLogger().addAppender(appender);
        try {
            server.sandbox().faults().failNext(500, 5).failNext(503, 2).dropNext(1);
            JsonNode summary = server.runAndWait("small");
            String answers = summary.toString() + server.api("GET", "/api/exports/small/runs/" + summary.get("id").asLong()).body()
                    + server.api("GET", "/api/exports").body();
            String key = server.sandbox().account("default").apiKey();
            assertTrue(logged.length() > 0 && logged.toString().contains("dead-lettered"), "the failures were logged");
            assertFalse(logged.toString().contains(key), "API key in the log");
            assertFalse(answers.contains(key), "API key in an API answer");
            assertFalse(server.strings("select coalesce(string_agg(reason, ' '), '') from export_row").get(0).contains(key), "API key in the ledger");
        } finally {
            context.getRootLogger().removeAppender(appender);
        }
    }

    @Test
    @Order(6)
    void the_circuit_breaker_opens_under_sustained_failure_and_calls_then_fail_fast() throws Exception {
        server.sandbox().faults().rates(0, 1.0, 0, 0);
        JsonNode summary = server.runAndWait("small");
        assertEquals("failed", summary.get("status").asText());
        assertEquals(summary.get("rowsRead").asLong() - summary.get("rowsRejected").asLong(), summary.get("rowsFailed").asLong(),
                "nothing delivered, nothing lost: every row failed with a reason");
        int batches = summary.get("batches").asInt();
        assertTrue(imports(500) < batches * 5, "the breaker kept " + (batches * 5 - imports(500)) + " attempts from reaching Brevo");
        List<String> reasons = server.strings("select distinct reason from export_row where run_id = " + summary.get("id").asLong()
                + " and outcome = 'failed'");
        assertTrue(reasons.stream().anyMatch(r -> r.contains("CallNotPermittedException")), reasons.toString());

        // once Brevo is back and the breaker half-opens, runs deliver again
        server.sandbox().faults().clear();
        Thread.sleep(2_500);
        assertEquals("succeeded_with_rejections", server.runAndWait("small").get("status").asText());
    }

    private long imports(int status) {
        return server.sandbox().requests().count("default", IMPORT, status);
    }
}
