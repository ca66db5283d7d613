package io.brevosync;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a run depends on goes away in the middle of it: PostgreSQL stops and starts again (the run ends failed, which
 * is retryable, and the next run completes), Brevo loses the run's imports (they go to its second pass at once).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutageTest extends ServerTest {

    private static final long LIST = 1;

    @Override
    protected TestServer startServer() throws Exception {
        TestServer server = TestServer.start(Map.of("test.database-proxy", "true", "db.connect-timeout", "2000", "db.outage-wait", "30000",
                "demo.profiles", "2000"));
        java.nio.file.Files.writeString(server.exportsDir().resolve("outage.camel.yaml"), TestServer.exportFile(Map.of("exportId", "outage",
                "listId", "1", "segments", "newsletter,vip", "mapping", "EMAIL=email,FIRSTNAME=first_name,LASTNAME=last_name",
                "cron", "0 0 0 1 1 ? 2099")));
        server.api("POST", "/api/exports/reload");
        return server;
    }

    @Test
    @Order(1)
    void a_database_outage_mid_run_ends_it_failed_and_the_next_run_completes() throws Exception {
        // the database goes as soon as the run is opened, and comes back 3 s later (the run's next step needs it: it
        // opens, looks up interrupted imports, reads; Brevo is no longer called before that since the reload checks
        // the attributes)
        long runId = server.startRun("outage", false);
        server.databaseProxy().cut();
        Thread.sleep(3000);
        server.databaseProxy().restore();

        JsonNode failed = server.awaitRun("outage", runId);
        assertEquals("failed", failed.get("status").asText(), "retryable, not failed_permanent: " + failed);
        assertTrue(failed.get("message").asText().contains("the database is unreachable"), failed.toString());
        JsonNode next = server.runAndWait("outage");
        assertTrue(next.get("status").asText().startsWith("succeeded"), next.toString());
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(LIST));
    }

    @Test
    @Order(2)
    void imports_brevo_lost_are_sent_again_by_the_second_pass_at_once() throws Exception {
        server.sql("update profile set first_name = 'Lost' where id % 7 = 0");
        server.sandbox().faults().importDelayMs(1500);
        long start = System.nanoTime();
        long runId = server.startRun("outage", false);
        awaitProgress(runId, "imports pending", progress -> progress.path("importsPending").asInt() > 0);
        assertTrue(server.sandbox().account("default").forgetProcesses() > 0);

        JsonNode run = server.awaitRun("outage", runId);
        assertTrue(run.get("status").asText().startsWith("succeeded"), run.toString());
        assertTrue((System.nanoTime() - start) / 1e9 < 30, "not waited out until brevo.import-timeout");
        var retried = server.api("GET", "/api/exports/outage/runs/" + runId + "/rows?outcome=retried&limit=5");
        assertTrue(retried.body().contains("\"code\":\"process_lost\""), retried.body());
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(LIST));
    }

    private void awaitProgress(long runId, String what, java.util.function.Predicate<JsonNode> condition) throws InterruptedException {
        TestServer.await("run " + runId + ": " + what, Duration.ofSeconds(30), () -> {
            try {
                return condition.test(TestServer.JSON.readTree(server.api("GET", "/api/exports/outage/runs/" + runId).body()).path("progress"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
