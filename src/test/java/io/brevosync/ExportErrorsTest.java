package io.brevosync;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.sandbox.RequestLog;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Brevo failing: retried then delivered; exhausted batches dead-lettered with every row recorded; the breaker opening. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportErrorsTest extends ServerTest {

    private static final String IMPORT = "POST /v3/contacts/import";

    @Override
    protected TestServer startServer() throws Exception {
        // these tests exhaust retries on purpose; the circuit breaker has its own test (ResilienceTest)
        return TestServer.startWithTestExports(Map.of("camel.resilience4j.minimum-number-of-calls", "1000",
                "camel.resilience4j.sliding-window-size", "1000", "brevo.import-timeout", "1500", "exports.text-max-chars", "12000"));
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
        // 1 attempt + 6 redeliveries = 7 failures: exactly the first batch is exhausted
        server.sandbox().faults().failNext(500, 7);
        JsonNode summary = server.runAndWait("small", true);
        long runId = summary.get("id").asLong();
        assertEquals("failed", summary.get("status").asText());
        assertEquals(1, summary.get("batchesFailed").asInt());
        assertTrue(summary.get("batches").asInt() > 3, "several batches of 250 rows");
        assertEquals(250, summary.get("rowsFailed").asInt());
        assertEquals(7, imports(500));

        List<String> failed = server.strings("select email from export_row where run_id = " + runId + " and outcome = 'failed'");
        List<String> reasons = server.strings("select distinct reason from export_row where run_id = " + runId + " and outcome = 'failed'");
        assertEquals(List.of("Brevo answered 500: {\"code\":\"internal_error\",\"message\":\"Sandbox fault switch: 500\"}"), reasons);
        Set<String> members = new TreeSet<>();
        server.sandbox().account("default").members(2).forEach(m -> members.add((String) m.get("email")));
        assertTrue(failed.stream().noneMatch(members::contains), "the dead-lettered rows did not reach the list");
        assertEquals(summary.get("rowsDelivered").asInt(), members.size());
        assertEquals(summary.get("rowsRead").asLong(), summary.get("rowsDelivered").asLong() + summary.get("rowsRejected").asLong() + 250,
                "every row is delivered, rejected or failed");
        // the API lists them too
        JsonNode rows = TestServer.JSON.readTree(server.api("GET", "/api/exports/small/runs/" + runId + "/rows?outcome=failed&limit=1000").body());
        assertEquals(250, rows.get("rows").size());
        assertEquals("internal_error", rows.get("rows").get(0).get("code").asText());
    }

    @Test
    @Order(3)
    void a_failed_import_process_is_sent_again_within_the_run_and_failing_twice_counts_its_rows_as_failed() throws Exception {
        server.sandbox().faults().failNextImports(1);
        JsonNode again = server.runAndWait("small", true);
        assertEquals("succeeded_with_rejections", again.get("status").asText(), again.toString());
        assertEquals(0, again.get("rowsFailed").asInt());
        assertEquals(again.get("batches").asInt(), imports(202), "every batch once, and the failed one once more");
        assertEquals(List.of("250"), server.strings("select count(*) from export_row where run_id = " + again.get("id").asLong() + " and outcome = 'retried'"));

        // every import fails, in the second pass too
        server.sandbox().faults().failImportRate(1.0);
        JsonNode summary = server.runAndWait("small", true);
        assertEquals("failed", summary.get("status").asText());
        assertEquals(summary.get("rowsRead").asInt() - summary.get("rowsRejected").asInt(), summary.get("rowsFailed").asInt());
        List<String> reasons = server.strings("select distinct reason from export_row where run_id = " + summary.get("id").asLong()
                + " and outcome = 'failed'");
        assertTrue(reasons.size() >= 1 && reasons.stream().allMatch(r -> r.matches("Brevo import process \\d+ failed")), reasons.toString());
    }

    @Test
    @Order(3)
    void an_import_that_does_not_end_within_the_timeout_is_sent_again_and_then_counted_as_failed() throws Exception {
        server.runAndWait("small");
        server.sql("update profile set city = 'Timeout' where id = (select min(profile_id) from segment_member where profile_id % 2 = 0)");
        // the sandbox's imports take 2.5 s, the run waits 1.5 s (brevo.import-timeout)
        server.sandbox().faults().importDelayMs(2500);
        JsonNode run = server.runAndWait("small");
        assertEquals(2, imports(202), "sent once, and once more by the second pass");
        assertEquals(1, run.get("rowsFailed").asInt());
        String reason = server.strings("select reason from export_row where run_id = " + run.get("id").asLong() + " and outcome = 'failed'").get(0);
        assertTrue(reason.matches("Brevo import process \\d+ timeout: did not finish within PT1.5S"), reason);
    }

    @Test
    @Order(3)
    void a_run_whose_query_fails_ends_failed_with_the_reason_and_does_not_stay_locked() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            JsonNode summary = server.runAndWait("broken-query");
            assertEquals("failed_permanent", summary.get("status").asText(), "retrying will not help until the query is fixed");
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
            // (7 failures, then a dropped connection: the first batch is dead-lettered, the next one retried)
            JsonNode summary = server.runAndWait("small", true);
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
    void a_failed_row_is_retried_by_later_runs_then_dead_until_it_changes() throws Exception {
        server.runAndWait("small");
        String profile = server.strings("select min(profile_id) from segment_member where profile_id % 20 = 4").get(0);
        server.sql("update profile set last_name = 'Retry' where id = " + profile);
        // it fails in both passes of the run
        server.sandbox().faults().failNextImports(2);
        JsonNode failed = server.runAndWait("small");
        assertEquals(1, failed.get("rowsFailed").asInt());
        JsonNode retried = server.runAndWait("small");
        assertEquals(1, retried.get("rowsUpdated").asInt(), "the next run sends the failed row again");
        assertEquals(0, retried.get("rowsFailed").asInt());

        // attempts 1 and 2 in one run, attempt 3 in the next one, whose second pass then finds the row dead
        server.sql("update profile set last_name = 'Doomed' where id = " + profile);
        server.sandbox().faults().failNextImports(2);
        JsonNode twice = server.runAndWait("small");
        assertEquals(List.of("2"), server.strings("select attempts from export_row where run_id = " + twice.get("id").asLong() + " and outcome = 'failed'"));
        server.sandbox().faults().failNextImports(1);
        JsonNode third = server.runAndWait("small");
        assertEquals(0, third.get("rowsFailed").asInt());
        assertEquals(List.of("dead"), server.strings("select outcome from export_row where run_id = " + third.get("id").asLong()
                + " and profile_id = '" + profile + "' and outcome not in ('retried', 'adjusted')"));
        long importsBefore = imports(202);
        JsonNode dead = server.runAndWait("small");
        assertEquals(importsBefore, imports(202), "a dead row is not sent again");
        // (rows of the first batch, failed three times by the tests before, are dead too)
        List<String> deadRows = server.strings("select profile_id from export_row where run_id = " + dead.get("id").asLong() + " and outcome = 'dead'");
        assertTrue(deadRows.contains(profile), deadRows.toString());
        assertEquals(deadRows.size(), dead.get("rowsDead").asInt());
        assertEquals("succeeded_with_rejections", dead.get("status").asText());
        String reason = server.strings("select reason from export_row where run_id = " + dead.get("id").asLong() + " and outcome = 'dead' and profile_id = '"
                + profile + "'").get(0);
        assertTrue(reason.startsWith("gave up after 3 failed attempts: Brevo import process "), reason);

        server.sql("update profile set last_name = 'Fixed' where id = " + profile);
        JsonNode fixed = server.runAndWait("small");
        assertEquals(1, fixed.get("rowsUpdated").asInt(), "a dead row that changes is tried again");
        assertTrue(server.sandbox().account("default").members(2).stream().anyMatch(m -> "Fixed".equals(((Map<?, ?>) m.get("attributes")).get("LASTNAME"))));
    }

    private long imports(int status) {
        return server.sandbox().requests().count("default", IMPORT, status);
    }

    /** A refusal of the whole request (here: a list Brevo no longer has) is not the rows' fault: the run stops, none is charged. */
    @Test
    @Order(50)
    void a_list_brevo_does_not_have_fails_the_run_charges_no_row_and_the_next_run_sends_them() throws Exception {
        java.nio.file.Files.writeString(server.exportsDir().resolve("refused.camel.yaml"),
                TestServer.exportFile(Map.of("exportId", "refused", "listId", "9", "segments", "newsletter", "batchMaxRows", "300")));
        server.api("POST", "/api/exports/reload");
        Runnable restore = server.sandbox().account("default").removeList(9);
        JsonNode refused = server.runAndWait("refused");
        assertEquals("failed_permanent", refused.get("status").asText(), refused.toString());
        assertTrue(refused.get("message").asText().contains("Brevo list 9 does not exist in the account of connection 'default'"), refused.toString());
        assertEquals(1, refused.get("batches").asInt(), "the run stopped at the refused batch: " + refused);
        assertEquals(java.util.List.of("0"), server.strings("select count(*) from sync_state where export_id = 'refused' and failures > 0"),
                "no row charged an attempt");

        restore.run();
        JsonNode next = server.runAndWait("refused");
        assertTrue(next.get("status").asText().startsWith("succeeded"), next.toString());
        assertEquals(server.segmentResult("newsletter").size(), server.listMembers(9).size(), "every row sent once the list is there");
    }
}
