package io.brevosync;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.sandbox.Faults;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A segment of 24,000 profiles exported in batches of 2,000 under each of the sandbox's faults. After every run the
 * list equals the segment exactly, every row not delivered is recorded with its reason, and the number of import
 * requests stays within the stated bound: one per batch, plus one per fault injected (plus the halvings of a batch
 * Brevo refuses).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultMatrixTest extends ServerTest {

    private static final String IMPORT = "POST /v3/contacts/import";
    private static final long LIST = 8;

    @Override
    protected TestServer startServer() throws Exception {
        // 40,000 demo profiles: 24,000 of them in newsletter or vip; a 2.5 s client timeout for the latency case (short, but
        // far above what an import of 2,000 rows takes even on a loaded CI machine, so no other case times out)
        return TestServer.startWithTestExports(Map.of("demo.profiles", "40000", "camel.component.http.response-timeout", "2500",
                "camel.component.http.so-timeout", "2500", "camel.resilience4j.wait-duration-in-open-state", "1"));
    }

    @Test
    @Order(1)
    void one_bad_row_inside_a_batch_is_isolated_and_the_rest_delivered() throws Exception {
        String bad = server.strings("select lower(btrim(email)) from profile where id = 1000").get(0);
        server.sandbox().faults().badRow(bad);
        var breaker = server.context().getProcessor("brevo-breaker", ResilienceProcessor.class).getCircuitBreaker().getEventPublisher();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger ignored = new AtomicInteger();
        breaker.onError(event -> failed.incrementAndGet());
        breaker.onIgnoredError(event -> ignored.incrementAndGet());
        JsonNode run = server.runAndWait("matrix", true);

        Set<String> expected = segment();
        expected.remove(bad);
        assertSame(expected, members());
        // ⌈log2(2000)⌉ = 11 halvings, two requests each, on top of one request per batch
        assertTrue(imports() <= run.get("batches").asLong() + 22, imports() + " import requests");
        assertEquals(1 + invalidEmails(), run.get("rowsRejected").asInt(), run.toString());
        String reason = server.strings("select code || ' ' || reason from export_row where run_id = " + run.get("id").asLong()
                + " and email = '" + bad + "'").get(0);
        assertTrue(reason.startsWith("invalid_parameter Brevo answered 400: "), reason);
        // refusals are the rows' fault: the breaker saw each of them and counted none as Brevo failing
        assertEquals(0, failed.get(), "calls the breaker counted as failed");
        assertTrue(ignored.get() >= 11, ignored + " refusals the breaker ignored");
    }

    @Test
    @Order(2)
    void a_429_storm() throws Exception {
        exportUnder(f -> f.failNext(429, 8), 8);
    }

    @Test
    @Order(3)
    void a_503_burst() throws Exception {
        exportUnder(f -> f.failNext(503, 6), 6);
    }

    @Test
    @Order(4)
    void answers_slower_than_the_client_timeout() throws Exception {
        exportUnder(f -> f.slowNext(3, 3_500), 3);
    }

    @Test
    @Order(5)
    void dropped_connections() throws Exception {
        exportUnder(f -> f.dropNext(4), 4);
    }

    @Test
    @Order(6)
    void failed_import_processes() throws Exception {
        // the two batches whose imports fail are sent once more, within the run
        exportUnder(f -> f.failNextImports(2), 2);
    }

    /** A full export under the fault: the list equals the segment, no row failed, and at most one extra request per fault. */
    private void exportUnder(Consumer<Faults> fault, int faults) throws Exception {
        fault.accept(server.sandbox().faults());
        JsonNode run = server.runAndWait("matrix", true);
        assertSame(segment(), members());
        assertEquals("succeeded_with_rejections", run.get("status").asText(), run.toString());
        assertEquals(0, run.get("rowsFailed").asInt());
        assertEquals(invalidEmails(), run.get("rowsRejected").asInt(), "only rows with an invalid email are rejected");
        assertEquals(segment().size(), run.get("rowsDelivered").asInt());
        long batches = (segment().size() + 1999) / 2000;
        assertTrue(imports() <= batches + faults, imports() + " import requests for " + batches + " batches and " + faults + " faults");
    }

    /** The two sets are equal; else the failure names what is missing and what is extra (not two sets of 24,000). */
    private static void assertSame(Set<String> expected, Set<String> actual) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "list vs segment: " + missing.size() + " missing, e.g. "
                + missing.stream().limit(5).toList() + "; " + extra.size() + " extra, e.g. " + extra.stream().limit(5).toList());
    }

    private Set<String> segment() throws Exception {
        Set<String> emails = new TreeSet<>();
        server.segmentResult("newsletter", "vip").forEach(m -> emails.add(m.substring(0, m.indexOf('|'))));
        assertTrue(emails.size() >= 20_000, emails.size() + " profiles");
        return emails;
    }

    private Set<String> members() {
        Set<String> emails = new TreeSet<>();
        server.sandbox().account("default").members(LIST).forEach(m -> emails.add((String) m.get("email")));
        return emails;
    }

    private long imports() {
        return server.sandbox().requests().entries().stream().filter(e -> e.endpoint().equals(IMPORT)).count();
    }

    private int invalidEmails() throws Exception {
        return (int) server.rejectedEmails("newsletter", "vip");
    }
}
