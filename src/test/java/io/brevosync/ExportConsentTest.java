package io.brevosync;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consent in the data: an export's consent policy is explicit. The reload refuses an export whose query returns a
 * column named like a consent and that says neither a consent column nor consent: not-required with its reason; the
 * reason is shown with the export and its runs; a consent column keeps rows without consent out, as consentColumn did.
 */
class ExportConsentTest extends ServerTest {

    @Override
    protected TestServer startServer() throws Exception {
        return TestServer.start(Map.of("demo.profiles", "300"));
    }

    @AfterEach
    void clean() throws Exception {
        server.keepOnlyNewsletter();
    }

    @Test
    void an_export_whose_query_returns_a_consent_and_that_says_no_policy_is_refused() throws Exception {
        // the default query returns p.consent; "" says no policy (TestServer.exportFile would otherwise say not-required)
        write("silent", "", null);
        String error = TestServer.exportError(server.reload(), "silent");
        assertTrue(error.startsWith("Export 'silent' is misconfigured: its query returns [consent], named like a consent, but the export says no "
                + "consent policy: set consent: consent"), error);
        assertTrue(error.contains("or consent: not-required: <why, in a few words>"), error);

        // any column named like one: a query of its own
        write("optin", "", "select p.id as profile_id, p.email, p.consent as newsletter_opt_in from profile p where :#segments is not null");
        assertTrue(TestServer.exportError(server.reload(), "optin").contains("its query returns [newsletter_opt_in], named like a consent"));
    }

    @Test
    void a_query_without_a_consent_needs_no_policy_and_one_that_cannot_be_read_is_not_blocked() throws Exception {
        write("plain", "", "select p.id as profile_id, p.email from profile p where :#segments is not null");
        write("later", "", "select p.id as profile_id, p.email from table_made_later p where :#segments is not null");
        JsonNode reload = server.reload();
        assertTrue(reload.get("errors").isEmpty(), reload.toString());
        assertTrue(reload.get("exports").toString().contains("\"plain\"") && reload.get("exports").toString().contains("\"later\""), reload.toString());
        assertEquals("none", export("plain").get("consent").asText());
    }

    @Test
    void not_required_is_accepted_with_its_reason_shown_with_the_export_and_its_run() throws Exception {
        write("service", "not-required: service messages to customers under contract", null);
        JsonNode reload = server.reload();
        assertTrue(reload.get("loaded").toString().contains("service"), reload.toString());
        assertEquals("not required: service messages to customers under contract", export("service").get("consent").asText());
        assertEquals("service messages to customers under contract", export("service").get("quality").get("consentNotRequired").asText());

        JsonNode run = server.runAndWait("service");
        assertTrue(run.get("status").asText().startsWith("succeeded"), run.toString());
        assertEquals(0, run.get("rowsWithoutConsent").asInt(), "no consent column: every row goes");
        assertEquals("not required: service messages to customers under contract", run.get("consent").asText(), run.toString());
        // the policy is the run's: an export that says another since does not change what its past runs ran under
        write("service", "consent", null);
        assertTrue(server.reload().get("loaded").toString().contains("service"));
        assertEquals("column consent", export("service").get("consent").asText());
        JsonNode past = TestServer.JSON.readTree(server.api("GET", "/api/exports/service/runs/" + run.get("id").asLong()).body());
        assertEquals("not required: service messages to customers under contract", past.get("consent").asText(), past.toString());

        write("terse", "not-required: internal", null);
        assertTrue(TestServer.exportError(server.reload(), "terse").contains("consent: not-required needs its reason, in a few words"));
    }

    @Test
    void a_consent_column_keeps_rows_without_consent_out_as_consent_column_did() throws Exception {
        long withoutConsent = Long.parseLong(server.strings("""
                select count(distinct p.id) from profile p join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id
                where s.name = 'vip' and p.consent is not true and lower(btrim(p.email)) ~ '^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$'""").get(0));
        assertTrue(withoutConsent > 0, "the demo data has profiles without consent");

        write("column", "consent", null);
        Map<String, String> former = new LinkedHashMap<>(values("former", null));
        former.put("consentColumn", "consent");
        former.remove("consent");
        Files.writeString(server.exportsDir().resolve("former.camel.yaml"), TestServer.exportFile(former));
        JsonNode reload = server.reload();
        assertTrue(reload.get("errors").isEmpty(), reload.toString());
        assertEquals("column consent", export("column").get("consent").asText());
        assertEquals("column consent", export("former").get("consent").asText());

        JsonNode column = server.runAndWait("column");
        assertEquals(withoutConsent, column.get("rowsWithoutConsent").asLong(), column.toString());
        assertEquals("column consent", column.get("consent").asText());
        JsonNode viaFormerName = server.runAndWait("former");
        assertEquals(withoutConsent, viaFormerName.get("rowsWithoutConsent").asLong(), viaFormerName.toString());

        write("typo", "agreed", null);
        assertTrue(TestServer.exportError(server.reload(), "typo").contains("its query returns no column [agreed]; it returns [profile_id, email, first_name"));
    }

    // ---- helpers ----

    /** An export of the vip segment into its own list; consent "" says no policy, query null the default query. */
    private void write(String id, String consent, String query) throws Exception {
        Files.writeString(server.exportsDir().resolve(id + ".camel.yaml"), TestServer.exportFile(values(id, query, consent)));
    }

    private Map<String, String> values(String id, String query) {
        return values(id, query, "");
    }

    private Map<String, String> values(String id, String query, String consent) {
        Map<String, String> values = new LinkedHashMap<>(Map.of("exportId", id, "listId", "1", "segments", "vip", "mapping", "EMAIL=email",
                "cron", "0 0 0 1 1 ? 2099", "consent", consent));
        if (query != null) {
            values.put("query", query);
        }
        return values;
    }

    private JsonNode export(String id) throws Exception {
        for (JsonNode export : TestServer.JSON.readTree(server.api("GET", "/api/exports").body()).get("exports")) {
            if (export.get("exportId").asText().equals(id)) {
                return export;
            }
        }
        throw new AssertionError("export " + id + " not in force");
    }

}
