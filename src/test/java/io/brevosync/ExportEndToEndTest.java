package io.brevosync;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.sandbox.BrevoContract;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Segments in PostgreSQL end up in the sandbox's Brevo list: the real routes, the real database, the sandbox over HTTP. */
class ExportEndToEndTest extends ServerTest {

    @Override
    protected TestServer startServer() throws Exception {
        return TestServer.start(Map.of());
    }

    @Test
    void list_members_and_attributes_equal_the_union_of_the_segments() throws Exception {
        JsonNode summary = server.runAndWait("newsletter");

        // what SQL says: profiles of newsletter or vip, valid emails, de-duplicated by normalised email (lowest id wins)
        List<String> expected = server.strings("""
                select distinct on (lower(btrim(p.email))) lower(btrim(p.email)) || '|' || coalesce(p.first_name, '') || '|' || p.last_name
                  || '|' || p.country || '|' || p.birth_date
                from profile p join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id
                where s.name in ('newsletter', 'vip') and lower(btrim(p.email)) ~ '^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$'
                order by lower(btrim(p.email)), p.id""");
        Set<String> actual = new TreeSet<>();
        for (Map<String, Object> member : server.sandbox().account("default").members(1)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> a = (Map<String, Object>) member.get("attributes");
            actual.add(member.get("email") + "|" + a.getOrDefault("FIRSTNAME", "") + "|" + a.get("LASTNAME") + "|" + a.get("COUNTRY") + "|"
                    + a.get("BIRTHDATE"));
        }
        assertEquals(new TreeSet<>(expected), actual);
        assertTrue(expected.size() > 1000, "the demo segments are not trivially small");

        assertEquals("succeeded_with_rejections", summary.get("status").asText());
        assertEquals(expected.size(), summary.get("rowsDelivered").asInt());
        long invalid = server.rejectedEmails("newsletter", "vip");
        assertEquals(invalid, summary.get("rowsRejected").asLong());
        assertEquals(summary.get("rowsRead").asLong(), summary.get("rowsDelivered").asLong() + summary.get("rowsRejected").asLong());
        // every rejected row is in the ledger with its reason
        List<String> reasons = server.strings("select reason from export_row where outcome = 'rejected' and run_id = " + summary.get("id").asLong());
        assertEquals(invalid, reasons.size());
        assertTrue(reasons.stream().allMatch(r -> r.startsWith("email ") || r.startsWith("duplicate: profile ")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(r -> r.startsWith("duplicate: profile ")), "the demo data shares emails");
    }

    @Test
    void phones_reach_brevo_in_e164_and_invalid_ones_are_left_out_with_the_reason() throws Exception {
        server.runAndWait("newsletter");
        Map<String, Object> phones = new HashMap<>();
        for (Map<String, Object> member : server.sandbox().account("default").members(1)) {
            phones.put((String) member.get("email"), ((Map<?, ?>) member.get("attributes")).get("SMS"));
        }
        // demo data: id % 5 == 0 → '+33 6 …' (international), 1 → '06…' (local, read in the export's region FR),
        // 2 → '0049 151 …' (00-prefixed), 4 → 'call me'
        assertEquals("+33600000010", phones.get("customer10@example.com"));
        assertEquals("+33600000006", phones.get("customer6@example.com"));
        assertEquals("+4915100000002", phones.get("customer2@example.com"));
        assertEquals(null, phones.get("customer4@example.com"));
        assertEquals(List.of("SMS 'call me' is not a phone number; left out"),
                server.strings("select distinct reason from export_row where outcome = 'adjusted' and profile_id = '4'"));
    }

    @Test
    void http_trigger_answers_202_then_the_run_can_be_followed_and_a_second_trigger_gets_409() throws Exception {
        server.sandbox().faults().importDelayMs(1500);
        try {
            // a full resync, so the run has imports to wait for
            var accepted = server.api("POST", "/api/exports/newsletter/runs?fullResync=true");
            assertEquals(202, accepted.statusCode(), accepted.body());
            long runId = TestServer.JSON.readTree(accepted.body()).get("runId").asLong();

            var conflict = server.api("POST", "/api/exports/newsletter/runs");
            assertEquals(409, conflict.statusCode(), conflict.body());
            assertTrue(conflict.body().contains("run " + runId), conflict.body());

            TestServer.await("run " + runId + " to finish", Duration.ofSeconds(30), () -> {
                try {
                    return !Set.of("queued", "running").contains(status(runId));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals("succeeded_with_rejections", status(runId));
        } finally {
            server.sandbox().faults().clear();
        }
    }

    @Test
    void api_lists_exports_and_answers_404_for_unknown_ones() throws Exception {
        JsonNode answer = TestServer.JSON.readTree(server.api("GET", "/api/exports").body());
        JsonNode exports = answer.get("exports");
        assertEquals("newsletter", exports.get(0).get("exportId").asText());
        assertEquals(1, exports.get(0).get("listId").asInt());
        assertEquals("newsletter.camel.yaml", exports.get(0).get("file").asText());
        assertEquals("UTC", exports.get(0).get("timeZone").asText());
        assertEquals(server.exportsDir().toAbsolutePath().toString(), answer.get("directory").asText());
        assertEquals(0, answer.get("errors").size(), answer.toString());
        assertFalse(exports.toString().contains("sandbox-"), "no API key in the answer");
        assertEquals(404, server.api("POST", "/api/exports/nope/runs").statusCode());
        assertEquals(404, server.api("GET", "/api/exports/newsletter/runs/999999").statusCode());
        assertEquals(404, server.api("GET", "/api/exports/newsletter/runs/abc").statusCode());
    }

    @Test
    void every_request_the_exporter_sends_conforms_to_brevos_definition() throws Exception {
        BrevoContract.validator();
        List<String> violations = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        server.sandbox().inspector((method, path, query, headers, body, status, answer) -> {
            seen.add(method + " " + path);
            violations.addAll(BrevoContract.check(method, path, query, headers, body, status, answer));
        });
        try {
            server.runAndWait("newsletter");
            // a profile leaves (its address is unlinked) and everyone else is sent again
            server.sql("delete from segment_member where profile_id = 30");
            server.runAndWait("newsletter", true);
        } finally {
            server.sandbox().inspector(null);
        }
        assertTrue(seen.contains("POST /v3/contacts/import"), seen.toString());
        assertTrue(seen.contains("POST /v3/contacts/lists/1/contacts/remove"), seen.toString());
        assertTrue(seen.stream().anyMatch(s -> s.startsWith("GET /v3/processes")), seen.toString());
        assertEquals(List.of(), violations);
    }

    @Test
    void health_is_up_without_a_token() throws Exception {
        var health = server.call("GET", "/observe/health", null);
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("UP"), health.body());
    }

    private String status(long runId) throws Exception {
        return TestServer.JSON.readTree(server.api("GET", "/api/exports/newsletter/runs/" + runId).body()).get("status").asText();
    }
}
