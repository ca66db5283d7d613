package io.brevosync;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Brevo's limits and outages, with the sandbox on the General plan (10 requests/s on contacts): requests are paced per
 * key, a 429 is waited out, an outage pauses a run until the circuit breaker half-opens. No row is lost in any of them.
 */
class ResilienceTest extends ServerTest {

    private static final String IMPORT = "POST /v3/contacts/import";

    @Override
    protected TestServer startServer() throws Exception {
        return TestServer.startWithTestExports(Map.of("sandbox.limits", "general", "brevo.requests-per-second", "10",
                "camel.resilience4j.wait-duration-in-open-state", "2"));
    }

    @Test
    void two_exports_on_one_key_stay_within_its_rate_together() throws Exception {
        // small: 6 imports of 250 rows; mirror: 15 of 100; together over 2 s of calls at 10/s
        long small = server.startRun("small", true);
        long mirror = server.startRun("mirror", true);
        assertEquals("succeeded_with_rejections", server.awaitRun("small", small).get("status").asText());
        assertEquals("succeeded_with_rejections", server.awaitRun("mirror", mirror).get("status").asText());
        var calls = server.sandbox().requests().entries().stream().filter(e -> e.path().startsWith("/v3/contacts")).toList();
        assertTrue(calls.size() > 20, calls.size() + " calls");
        assertEquals(0, calls.stream().filter(e -> e.status() == 429).count(), "the sandbox never refused a call for the rate");
    }

    @Test
    void a_429_storm_is_waited_out_and_costs_no_row_and_no_retry() throws Exception {
        // more 429s in a row than the 7 attempts a batch has for real errors
        server.sandbox().faults().failNext(429, 9);
        JsonNode run = server.runAndWait("small", true);
        assertEquals("succeeded_with_rejections", run.get("status").asText(), run.toString());
        assertEquals(0, run.get("rowsFailed").asInt());
        assertEquals(9, count(IMPORT, 429));
        assertEquals(run.get("batches").asInt(), count(IMPORT, 202), "each batch accepted once");
        assertEquals(server.segmentResult("newsletter").size(), run.get("rowsDelivered").asInt());
    }

    @Test
    void an_outage_pauses_the_run_until_the_breaker_half_opens_and_no_batch_is_lost() throws Exception {
        server.sandbox().faults().rates(0, 1.0, 0, 0);
        long runId = server.startRun("small", true);
        // the breaker opens after 5 failed calls; calls then wait instead of reaching Brevo
        TestServer.await("the breaker to open", Duration.ofSeconds(30), () -> count(IMPORT, 500) >= 5);
        Thread.sleep(3_000);
        long failedCalls = count(IMPORT, 500);
        server.sandbox().faults().clear();
        JsonNode run = server.awaitRun("small", runId);

        assertEquals("succeeded_with_rejections", run.get("status").asText(), run.toString());
        assertEquals(0, run.get("rowsFailed").asInt(), "no batch dead-lettered during the outage");
        assertEquals(server.segmentResult("newsletter").size(), run.get("rowsDelivered").asInt());
        // 5 to open it, then one probe each time it half-opens (every 2 s here)
        assertTrue(failedCalls <= 8, failedCalls + " calls reached Brevo in 3 s of outage: the open breaker kept the others away");
    }

    private long count(String endpoint, int status) {
        return server.sandbox().requests().entries().stream().filter(e -> e.endpoint().equals(endpoint) && e.status() == status).count();
    }

}
