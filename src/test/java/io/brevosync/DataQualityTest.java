package io.brevosync;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messy profiles through the real routes into the sandbox: what the dry run predicts is what the run does, duplicates
 * and rows without consent are reported, an SMS number Brevo holds on another contact is left out with the reason,
 * one profile can be previewed and sent alone, and a mapped attribute the account lacks keeps its export out of force.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataQualityTest extends ServerTest {

    private static final long LIST = 9;
    private static final String COUNTS = "rowsRead,rowsAdded,rowsUpdated,rowsUnchanged,rowsRemoved,rowsRejected,rowsWithoutConsent,rowsAdjusted,rowsDead";

    /** Import requests the sandbox accepted, as their number of rows. */
    private final List<Integer> imports = Collections.synchronizedList(new ArrayList<>());
    /** The GET requests the sandbox answered, as "path?query". */
    private final List<String> reads = Collections.synchronizedList(new ArrayList<>());

    @Override
    protected TestServer startServer() throws Exception {
        TestServer server = TestServer.startWithTestExports(Map.of("demo.profiles", "100"));
        server.sql("""
                insert into profile (id, email, first_name, last_name, phone, birth_date, consent) values
                  (900001, ' Ann@Example.com ', 'Ann', 'Lee', '06 11 11 11 11', '1990-05-01', true),
                  (900002, 'ann@example.com', 'Annie', 'Dup', null, null, true),
                  (900003, 'bad@@example.com', 'Bad', 'Email', null, null, true),
                  (900004, 'nocons@example.com', 'No', 'Consent', null, null, false),
                  (900005, 'shared@example.com', 'Sam', 'Shared', '+33 6 11 11 11 11', null, true),
                  (900007, 'callme@example.com', 'Cal', 'Me', 'call me', null, true),
                  (900008, 'plain@example.com', 'Pia', 'Plain', null, '1985-12-24', true)""");
        server.sandbox().inspector((method, path, query, headers, body, status, answer) -> {
            if (path.equals("/v3/contacts/import") && status == 202) {
                imports.add(TestServer.json(body).get("jsonBody").size());
            } else if (method.equals("GET")) {
                reads.add(path + "?" + query);
            }
        });
        return server;
    }

    @AfterEach
    void forgetImports() {
        imports.clear();
        reads.clear();
    }

    @Test
    @Order(1)
    void the_dry_run_counts_what_the_run_then_does() throws Exception {
        JsonNode dry = dryRun();
        assertEquals(0, server.sandbox().requests().entries().size(), "a dry run does not call Brevo");
        JsonNode run = server.runAndWait("quality");
        assertCounts(dry, run);
        assertEquals(7, run.get("rowsRead").asInt());
        assertEquals(4, run.get("rowsAdded").asInt(), "Ann, Sam, Cal and Pia");
        assertEquals(2, run.get("rowsRejected").asInt(), "the duplicate and the invalid email");
        assertEquals(1, run.get("rowsWithoutConsent").asInt());
        assertEquals(2, run.get("rowsAdjusted").asInt(), "Sam's number is Ann's; Cal's is no number");
        assertEquals("succeeded_with_rejections", run.get("status").asText());
        assertTrue(reasons(dry, "rowsRejected").contains("duplicate: profile 900001 has the same email and is exported instead (the lowest profile id keeps an address)"));
        assertEquals(List.of("no consent: consent is false"), reasons(dry, "rowsWithoutConsent"));

        Map<String, JsonNode> list = members();
        assertEquals(List.of("ann@example.com", "callme@example.com", "plain@example.com", "shared@example.com"), new ArrayList<>(list.keySet()));
        assertEquals("Ann", list.get("ann@example.com").get("attributes").get("FIRSTNAME").asText(), "the lowest profile id's row is sent");
        assertEquals("+33611111111", list.get("ann@example.com").get("attributes").get("SMS").asText());
        assertNull(list.get("shared@example.com").get("attributes").get("SMS"), "one number, one contact: the lower profile id has it");
        assertEquals("1985-12-24", list.get("plain@example.com").get("attributes").get("BIRTHDATE").asText());
        JsonNode adjusted = rows(run, "adjusted");
        assertEquals("SMS +33611111111 is also on profile 900001, which keeps it (the lowest profile id does); left out", reason(adjusted, "900005"));
        assertEquals("SMS 'call me' is not a phone number; left out", reason(adjusted, "900007"));

        // a change, a leaver, a consent given: the dry run again predicts the run
        server.sql("""
                update profile set first_name = 'Anna' where id = 900001;
                update profile set id = 800007 where id = 900007;
                update profile set consent = true where id = 900004;""");
        JsonNode dryAgain = dryRun();
        imports.clear();
        JsonNode again = server.runAndWait("quality");
        assertCounts(dryAgain, again);
        assertEquals(1, again.get("rowsAdded").asInt());
        assertEquals(1, again.get("rowsUpdated").asInt());
        assertEquals(1, again.get("rowsRemoved").asInt());
        assertEquals(List.of(2), imports, "Anna's change and No Consent's consent, in one import");
        assertFalse(members().containsKey("callme@example.com"));
    }

    @Test
    @Order(2)
    void an_sms_number_brevo_holds_on_another_contact_is_left_out_and_the_row_delivered() throws Exception {
        // Brevo's older answer, counts only: the run has to find the row (with reports, ImportReportsTest)
        server.sandbox().reports().linksForm(false);
        server.sandbox().account("default").createContact(TestServer.json("""
                {"email": "other@example.com", "attributes": {"SMS": "+33622222222"}}""".getBytes()));
        server.sql("insert into profile (id, email, first_name, last_name, phone, consent) values (900006, 'conflict@example.com', 'Con', 'Flict', '06 22 22 22 22', true)");
        JsonNode run = server.runAndWait("quality");
        assertEquals(1, run.get("rowsAdded").asInt());
        assertEquals(1, run.get("rowsAdjusted").asInt());
        assertEquals("succeeded_with_rejections", run.get("status").asText(), "the duplicate and the invalid email, as every run");
        assertEquals("SMS +33622222222 belongs to another Brevo contact; delivered without it, and left out until the number changes",
                reason(rows(run, "adjusted"), "900006"));
        JsonNode contact = members().get("conflict@example.com");
        assertNull(contact.get("attributes").get("SMS"));
        assertTrue(reads.stream().anyMatch(read -> read.startsWith("/v3/contacts/lists/" + LIST + "/contacts?modifiedSince=")),
                "no other profile has the number: the list is read back to find it " + reads);
        assertEquals("Con", contact.get("attributes").get("FIRSTNAME").asText());

        imports.clear();
        assertEquals(0, server.runAndWait("quality").get("rowsAdded").asInt());
        assertEquals(List.of(), imports, "nothing changed, nothing sent: the refused number is remembered");
        server.sql("update profile set phone = '06 33 33 33 33' where id = 900006");
        server.runAndWait("quality");
        assertEquals("+33633333333", members().get("conflict@example.com").get("attributes").get("SMS").asText(), "a new number is sent");
    }

    @Test
    @Order(3)
    void one_profile_is_previewed_and_sent_alone() throws Exception {
        JsonNode plain = json(server.api("GET", "/api/exports/quality/profiles/900008"), 200).get("profiles").get(0);
        assertEquals("unchanged", plain.get("action").asText());
        assertEquals("{\"email\":\"plain@example.com\",\"attributes\":{\"FIRSTNAME\":\"Pia\",\"LASTNAME\":\"Plain\",\"BIRTHDATE\":\"1985-12-24\"}}",
                plain.get("payload").toString());
        assertEquals(9, plain.get("request").get("listIds").get(0).asInt());
        assertFalse(plain.get("request").get("emptyContactsAttributes").asBoolean());

        JsonNode byEmail = json(server.api("GET", "/api/exports/quality/profiles/ANN@example.com"), 200).get("profiles");
        assertEquals(2, byEmail.size(), "both profiles with the address");
        assertEquals("rejected", byEmail.get(1).get("outcome").asText());
        assertEquals(404, server.api("GET", "/api/exports/quality/profiles/123456789").statusCode());
        assertEquals(401, server.call("GET", "/api/exports/quality/profiles/900008", null).statusCode());
        assertEquals(401, server.call("POST", "/api/exports/quality/dry-run", "wrong").statusCode());
        HttpResponse<String> badSample = server.api("POST", "/api/exports/quality/dry-run?sample=lots");
        assertEquals(400, badSample.statusCode());
        assertTrue(badSample.body().contains("sample must be a whole number from 0 to 100, got 'lots'"), badSample.body());
        assertEquals(404, server.api("POST", "/api/exports/nope/dry-run").statusCode());

        JsonNode sent = json(server.api("POST", "/api/exports/quality/profiles/900008/send"), 200);
        assertEquals(List.of(1), imports, "one import of one row");
        assertEquals(1, sent.get("rowsUpdated").asInt());
        assertEquals("profile", server.strings("select trigger from export_run where id = " + sent.get("id").asLong()).get(0));
    }

    @Test
    @Order(4)
    void a_mapped_attribute_the_account_lacks_keeps_the_export_out_of_force_naming_it() throws Exception {
        // a French account names the first name PRENOM: this sandbox account has FIRSTNAME
        java.nio.file.Path file = server.exportsDir().resolve("french.camel.yaml");
        java.nio.file.Files.writeString(file, TestServer.exportFile(Map.of("exportId", "french", "listId", "10", "segments", "newsletter",
                "mapping", "EMAIL=email,PRENOM=first_name,BIRTHDATE=birth_date:number", "cron", "0 0 0 1 1 ? 2099")));
        try {
            JsonNode reload = json(server.api("POST", "/api/exports/reload"), 200);
            String message = reload.get("errors").findValues("error").stream().map(JsonNode::asText).filter(e -> e.startsWith("Export 'french'"))
                    .findFirst().orElseThrow(() -> new AssertionError("french is listed with an error: " + reload));
            assertTrue(message.contains("PRENOM does not exist in the Brevo account"), message);
            assertTrue(message.contains("BIRTHDATE is a date attribute in Brevo but mapped as number"), message);
            assertEquals(404, server.api("POST", "/api/exports/french/runs").statusCode(), "not in force, so no run");
            assertEquals(List.of(), imports);
        } finally {
            java.nio.file.Files.delete(file);
            server.api("POST", "/api/exports/reload");
        }
    }

    @Test
    @Order(5)
    void a_change_is_sent_and_the_refused_number_stays_remembered() throws Exception {
        server.sql("update profile set last_name = 'Checked' where id = 900008");
        JsonNode run = server.runAndWait("quality");
        assertEquals("succeeded_with_rejections", run.get("status").asText(), run.toString());
        assertEquals(1, run.get("rowsUpdated").asInt());
        assertEquals(List.of(1), imports);
    }

    @Test
    @Order(6)
    void an_import_brevo_refuses_for_an_sms_number_is_sent_again_without_it() throws Exception {
        server.sandbox().account("default").createContact(TestServer.json("""
                {"email": "holder@example.com", "attributes": {"SMS": "+33644444444"}}""".getBytes()));
        server.sandbox().faults().refuseTakenSms(true);
        server.sql("""
                insert into profile (id, email, first_name, last_name, phone, consent) values
                  (900010, 'refused@example.com', 'Ref', 'Used', '06 44 44 44 44', true),
                  (900011, 'fine@example.com', 'Fi', 'Ne', '06 55 55 55 55', true)""");
        JsonNode run = server.runAndWait("quality");
        assertEquals(2, run.get("rowsAdded").asInt(), run.toString());
        assertEquals(0, run.get("rowsFailed").asInt());
        assertEquals("SMS +33644444444 belongs to another Brevo contact (Brevo answered duplicate_parameter); sent again without it, and left out "
                + "until the number changes", reason(rows(run, "adjusted"), "900010"));
        assertNull(members().get("refused@example.com").get("attributes").get("SMS"));
        assertEquals("+33655555555", members().get("fine@example.com").get("attributes").get("SMS").asText(), "the rest of the batch keeps its numbers");
        assertEquals(List.of(1, 1), imports, "the batch was refused, its halves sent: one delivered, one refused, then sent without the number");
        imports.clear();
        server.runAndWait("quality");
        assertEquals(List.of(), imports, "nothing changed, nothing sent");
    }

    @Test
    @Order(7)
    void a_refused_number_two_profiles_share_is_found_by_looking_up_its_owner_not_by_reading_the_list() throws Exception {
        server.sandbox().faults().refuseTakenSms(false);
        server.sandbox().reports().linksForm(false);
        // a household: Brevo has the number on the second member's contact; the first member (lowest id) is given it
        server.sandbox().account("default").createContact(TestServer.json("""
                {"email": "second@example.com", "attributes": {"SMS": "+33677777777"}}""".getBytes()));
        server.sql("""
                insert into profile (id, email, first_name, last_name, phone, consent) values
                  (900020, 'first@example.com', 'Fir', 'St', '06 77 77 77 77', true),
                  (900021, 'second@example.com', 'Sec', 'Ond', '+33 6 77 77 77 77', true)""");
        JsonNode run = server.runAndWait("quality");
        assertEquals("SMS +33677777777 belongs to another Brevo contact; delivered without it, and left out until the number changes",
                reason(rows(run, "adjusted"), "900020"));
        assertEquals("SMS +33677777777 is also on profile 900020, which keeps it (the lowest profile id does); left out", reason(rows(run, "adjusted"), "900021"));
        assertEquals(List.of("/v3/contacts/%2B33677777777?identifierType=phone_id"), contactReads(),
                "one look-up of the contested number, no page of the list");
        assertEquals("+33677777777", members().get("second@example.com").get("attributes").get("SMS").asText(), "Brevo kept it where it was");
        reads.clear();
        server.runAndWait("quality");
        assertEquals(List.of(), contactReads(), "the refused number is remembered");
    }

    @Test
    @Order(8)
    void a_query_that_returns_a_profile_twice_still_delivers_it_once() throws Exception {
        java.nio.file.Files.writeString(server.exportsDir().resolve("twice.camel.yaml"), TestServer.exportFile(Map.of("exportId", "twice", "listId", "12",
                "segments", "any", "mapping", "EMAIL=email,FIRSTNAME=first_name", "query", "select p.id as profile_id, p.email, p.first_name from profile p "
                        + "where p.id = 900008 and 'any' = any(:#segments) union all select p.id, p.email, p.first_name from profile p where p.id = 900008")));
        JsonNode reload = server.reload();
        assertTrue(reload.get("errors").isEmpty(), reload.toString());
        JsonNode run = server.runAndWait("twice");
        assertTrue(run.get("status").asText().startsWith("succeeded"), run.toString());
        assertEquals(List.of("plain@example.com"), server.sandbox().account("default").members(12).stream().map(m -> (String) m.get("email")).toList());
        assertEquals(List.of("900008"), server.strings("select profile_id from sync_state where export_id = 'twice' and hash is not null"));
        imports.clear();
        server.runAndWait("twice");
        assertEquals(List.of(), imports, "delivered: not sent again");
    }

    /** The contacts the run read: look-ups and pages of the list. */
    private List<String> contactReads() {
        return reads.stream().filter(read -> read.startsWith("/v3/contacts/") && !read.startsWith("/v3/contacts/attributes")).toList();
    }

    private JsonNode dryRun() throws Exception {
        return json(server.api("POST", "/api/exports/quality/dry-run?sample=10"), 200);
    }

    private static void assertCounts(JsonNode dry, JsonNode run) {
        for (String count : COUNTS.split(",")) {
            assertEquals(run.get(count).asLong(), dry.get("counts").get(count).asLong(), count + " of the dry run and of the run");
        }
    }

    private static List<String> reasons(JsonNode dry, String kind) {
        List<String> reasons = new ArrayList<>();
        dry.get("samples").path(kind).forEach(sample -> reasons.add(sample.path("reason").asText()));
        return reasons;
    }

    private JsonNode rows(JsonNode run, String outcome) throws Exception {
        return json(server.api("GET", "/api/exports/quality/runs/" + run.get("id").asLong() + "/rows?outcome=" + outcome), 200);
    }

    private static String reason(JsonNode rows, String profileId) {
        for (JsonNode row : rows.get("rows")) {
            if (row.get("profileId").asText().equals(profileId)) {
                return row.get("reason").asText();
            }
        }
        throw new AssertionError("no row of profile " + profileId + " in " + rows);
    }

    private Map<String, JsonNode> members() {
        Map<String, JsonNode> members = new java.util.TreeMap<>();
        for (Map<String, Object> member : server.sandbox().account("default").members(LIST)) {
            members.put((String) member.get("email"), new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(member));
        }
        return members;
    }

    private static JsonNode json(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), response.body());
        return TestServer.json(response.body().getBytes());
    }
}
