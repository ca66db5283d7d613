package io.brevosync;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may write a list when, and stopping a run: one active run per Brevo list, cancel after the batch in flight. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunControlTest extends ServerTest {

    @Override
    protected TestServer startServer() throws Exception {
        // ?wait=true holds its thread 2 s at most
        return TestServer.startWithTestExports(Map.of("api.run-wait", "2000"));
    }

    @Test
    @Order(2)
    void two_exports_writing_one_list_never_run_at_the_same_time() throws Exception {
        server.sandbox().faults().latencyMs(300);
        long runId = server.startRun("small", true);
        // broken-query writes list 2 as well
        var conflict = server.api("POST", "/api/exports/broken-query/runs");
        assertEquals(409, conflict.statusCode(), conflict.body());
        assertTrue(conflict.body().contains("Brevo list 2 of connection 'default' is being written by run " + runId + " of export 'small'"),
                conflict.body());
        // the refused trigger looked for abandoned runs: the live one holds its lock and is left alone
        assertEquals("succeeded_with_rejections", server.awaitRun("small", runId).get("status").asText());
    }

    @Test
    @Order(1)
    void a_canceled_run_stops_after_the_batch_in_flight_and_the_next_run_sends_the_rest() throws Exception {
        // 250 rows per batch, 300 ms per call: the run is still sending when the cancellation arrives
        server.sandbox().faults().latencyMs(300);
        long runId = server.startRun("small", true);
        TestServer.await("the first batch", Duration.ofSeconds(20), () -> !members().isEmpty());
        var canceling = server.api("DELETE", "/api/exports/small/runs/" + runId);
        assertEquals(202, canceling.statusCode(), canceling.body());
        JsonNode run = server.awaitRun("small", runId);
        server.sandbox().faults().clear();

        assertEquals("canceled", run.get("status").asText(), run.toString());
        int expected = server.segmentResult("newsletter").size();
        int sent = run.get("rowsSent").asInt();
        assertTrue(sent > 0 && sent < expected, sent + " of " + expected);
        // the run did not wait for its imports to end (the next run looks them up); Brevo applies them all the same
        TestServer.await("the imports sent before the cancellation in the list", Duration.ofSeconds(20), () -> members().size() == sent);
        assertEquals(409, server.api("DELETE", "/api/exports/small/runs/" + runId).statusCode(), "a finished run cannot be canceled");

        JsonNode next = server.runAndWait("small");
        assertEquals(expected - sent, next.get("rowsAdded").asInt(), "the next run sends exactly what the canceled one did not");
        assertEquals(expected, members().size());
    }

    @Test
    @Order(3)
    void a_run_left_active_by_a_server_that_is_gone_does_not_block_its_list() throws Exception {
        // as a killed server leaves it: active in the ledger, but nobody holds its lock
        server.sql("insert into export_run (id, export_id, connection, list_id, trigger, status) values (-7, 'small', 'default', 2, 'http', 'running')");
        long runId = server.startRun("small", false);
        assertEquals("interrupted", server.strings("select status from export_run where id = -7").get(0));
        server.awaitRun("small", runId);
    }

    @Test
    @Order(4)
    void a_long_run_shows_its_progress_live_and_wait_true_answers_202_before_it_ends() throws Exception {
        long total = server.runAndWait("small", true).get("rowsRead").asLong();
        java.io.StringWriter log = new java.io.StringWriter();
        var capture = org.apache.logging.log4j.core.appender.WriterAppender.createAppender(
                org.apache.logging.log4j.core.layout.PatternLayout.newBuilder().withPattern("%X{exportId}|%X{runId}|%m%n").build(), null, log,
                "progress", false, true);
        capture.start();
        var root = (org.apache.logging.log4j.core.Logger) org.apache.logging.log4j.LogManager.getRootLogger();
        root.addAppender(capture);
        server.sandbox().faults().latencyMs(400);
        long start = System.nanoTime();
        var waited = server.api("POST", "/api/exports/small/runs?wait=true&fullResync=true");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(202, waited.statusCode(), waited.body());
        assertTrue(seconds < 5, "?wait=true held its thread " + seconds + " s");
        long runId = TestServer.JSON.readTree(waited.body()).get("runId").asLong();

        JsonNode[] seen = new JsonNode[1];
        TestServer.await("a progress mid-run", Duration.ofSeconds(30), () -> {
            try {
                JsonNode progress = TestServer.JSON.readTree(server.api("GET", "/api/exports/small/runs/" + runId).body()).path("progress");
                seen[0] = progress;
                return progress.path("rowsSent").asLong() > 0 && progress.path("phase").asText().equals("reading");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode progress = seen[0];
        assertEquals(total, progress.get("expectedRows").asLong(), "the total is the last full run's: " + progress);
        long percent = progress.get("percent").asLong();
        assertTrue(percent >= 0 && percent < 100 && progress.get("rowsRead").asLong() < total, progress.toString());
        assertTrue(progress.get("rowsSent").asLong() <= progress.get("rowsRead").asLong(), progress.toString());
        assertTrue(progress.has("rowsConfirmed") && progress.has("secondsLeft") && progress.has("importsPending"), progress.toString());
        JsonNode run = server.awaitRun("small", runId);
        assertTrue(!run.has("progress"), "a finished run has no live progress: " + run);
        root.removeAppender(capture);
        List<String> progressLines = log.toString().lines().filter(l -> l.contains("% of the " + total + " rows the last run read, about ")).toList();
        assertTrue(!progressLines.isEmpty(), "the log says the percentage every batch");
        // every line of the run names it (MDC), those of its Java steps too
        assertTrue(progressLines.stream().allMatch(l -> l.startsWith("small|" + runId + "|")), progressLines.toString());
        assertTrue(log.toString().lines().anyMatch(l -> l.startsWith("small|" + runId + "|Export small run " + runId + " succeeded")), log.toString());
    }

    /** With the production's poll spacing (up to a minute between looks), a cancel still ends the wait within seconds. */
    @Test
    @Order(5)
    void a_run_waiting_for_its_imports_is_canceled_within_seconds_and_the_next_run_completes_the_list() throws Exception {
        try (TestServer slow = TestServer.start(Map.of("brevo.process-poll-first", "5000", "brevo.process-poll-max", "60000"))) {
            // longer than the run needs to reach its wait and be canceled, short enough not to hold up the next run for long
            slow.sandbox().faults().importDelayMs(8_000);
            long runId = slow.startRun("newsletter", true);
            TestServer.await("the run waiting for Brevo", Duration.ofSeconds(30), () -> {
                try {
                    return TestServer.JSON.readTree(slow.api("GET", "/api/exports/newsletter/runs/" + runId).body()).path("progress").path("phase")
                            .asText().equals("waiting for Brevo");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long asked = System.nanoTime();
            assertEquals(202, slow.api("DELETE", "/api/exports/newsletter/runs/" + runId).statusCode());
            JsonNode run = slow.awaitRun("newsletter", runId);
            double seconds = (System.nanoTime() - asked) / 1e9;
            assertEquals("canceled", run.get("status").asText(), run.toString());
            assertTrue(seconds < 5, "the wait ended " + seconds + " s after the cancel");

            slow.sandbox().faults().importDelayMs(0);
            JsonNode next = slow.runAndWait("newsletter");
            assertTrue(next.get("status").asText().startsWith("succeeded"), next.toString());
            assertEquals(slow.segmentResult("newsletter", "vip").size(), slow.listMembers(1).size(), "the list equals the segments");
        }
    }

    @Test
    @Order(6)
    void cancel_needs_the_token_and_a_known_run() throws Exception {
        assertEquals(401, server.call("DELETE", "/api/exports/small/runs/1", null).statusCode());
        assertEquals(404, server.api("DELETE", "/api/exports/small/runs/999999").statusCode());
    }

    private Set<String> members() {
        Set<String> emails = new java.util.TreeSet<>();
        server.sandbox().account("default").members(2).forEach(m -> emails.add((String) m.get("email")));
        return emails;
    }
}
