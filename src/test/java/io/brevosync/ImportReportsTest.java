package io.brevosync;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.sandbox.ImportReports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Brevo tells back of an import, as it does since 2026-04 (links to CSV reports) and as it did before (counters),
 * through the real routes into the sandbox: an address only Brevo refuses ends rejected with Brevo's reason and is not
 * sent again until it changes; SMS numbers other contacts hold are found from the report alone; a report that cannot
 * be read is a warning and loses nothing; every status Brevo may answer; and what a merge of contacts would do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImportReportsTest extends ServerTest {

    private static final long LIST = 2;

    /** Import requests the sandbox accepted, as their number of rows. */
    private final List<Integer> imports = Collections.synchronizedList(new ArrayList<>());
    /** GET requests of contacts the sandbox answered (look-ups and pages of the list). */
    private final List<String> contactReads = Collections.synchronizedList(new ArrayList<>());
    /** The statuses of the process answers the sandbox gave. */
    private final List<String> statuses = Collections.synchronizedList(new ArrayList<>());

    @Override
    protected TestServer startServer() throws Exception {
        TestServer server = TestServer.start(Map.of("demo.profiles", "100", "sandbox.lists", "Demo newsletter,Reports,Strict"));
        Files.writeString(server.exportsDir().resolve("reports.camel.yaml"), TestServer.exportFile(Map.of("exportId", "reports", "listId", "2",
                "segments", "any", "mapping", "EMAIL=email,FIRSTNAME=first_name,SMS=phone", "phoneRegion", "FR", "maxRemovalPercent", "100",
                "cron", "0 0 0 1 1 ? 2099", "query", "select p.id as profile_id, p.email, p.first_name, p.phone from profile p "
                        + "where p.id between 950000 and 950599 and 'any' = any(:#segments)")));
        // identifierConflict skip: a row whose number another contact holds is not sent, its contact unlinked
        Files.writeString(server.exportsDir().resolve("strict.camel.yaml"), TestServer.exportFile(Map.of("exportId", "strict", "listId", "3",
                "segments", "any", "mapping", "EMAIL=email,SMS=phone", "phoneRegion", "FR", "identifierConflict", "skip", "maxRemovalPercent", "100",
                "cron", "0 0 0 1 1 ? 2099", "query", "select p.id as profile_id, p.email, p.phone from profile p "
                        + "where p.id between 950600 and 950699 and 'any' = any(:#segments)")));
        JsonNode reload = server.reload();
        assertTrue(reload.get("errors").isEmpty(), reload.toString());
        server.sandbox().inspector((method, path, query, headers, body, status, answer) -> {
            if (path.equals("/v3/contacts/import") && status == 202) {
                imports.add(TestServer.json(body).get("jsonBody").size());
            } else if (path.startsWith("/v3/contacts/") && method.equals("GET") && !path.equals("/v3/contacts/attributes")) {
                contactReads.add(path + "?" + query);
            } else if (path.startsWith("/v3/processes") && answer instanceof Map<?, ?> map) {
                List<?> page = map.get("processes") instanceof List<?> l ? l : List.of(map);
                page.forEach(p -> statuses.add(String.valueOf(((Map<?, ?>) p).get("status"))));
            }
        });
        return server;
    }

    @AfterEach
    void forget() {
        imports.clear();
        contactReads.clear();
        statuses.clear();
    }

    @Test
    @Order(1)
    void an_address_only_brevo_refuses_ends_rejected_with_its_reason_and_goes_again_only_once_changed() throws Exception {
        server.sandbox().faults().rejectEmail("refused@example.com");
        server.sql("""
                insert into profile (id, email, first_name, consent) values
                  (950001, 'kept@example.com', 'Kept', true), (950002, 'refused@example.com', 'Refused', true)""");
        JsonNode run = server.runAndWait("reports");
        assertEquals("succeeded_with_rejections", run.get("status").asText(), run.toString());
        assertEquals(1, run.get("rowsAdded").asInt(), "the refused row is not counted as added");
        assertEquals(1, run.get("rowsDelivered").asInt());
        assertEquals(1, run.get("rowsRejected").asInt());
        assertEquals(1, run.get("invalidEmails").asInt());
        JsonNode rejected = row(rows(run, "rejected"), "950002");
        assertEquals("invalid_emails", rejected.get("code").asText());
        assertEquals("Brevo did not import it (invalid_emails): Invalid email address", rejected.get("reason").asText());
        assertEquals(List.of("950001"), profiles(rows(run, "added")), "not listed as delivered");
        assertEquals(List.of("kept@example.com"), members());

        imports.clear();
        JsonNode again = server.runAndWait("reports");
        assertEquals(List.of(), imports, "not sent again while it is as Brevo refused it");
        assertEquals("Brevo refused it as it is: Brevo did not import it (invalid_emails): Invalid email address; sent again when it changes",
                row(rows(again, "rejected"), "950002").get("reason").asText(), "read again (a query the change feed does not cover), rejected again");

        server.sandbox().faults().clear();
        server.sql("update profile set email = 'fixed@example.com' where id = 950002");
        JsonNode fixed = server.runAndWait("reports");
        assertEquals(List.of(1), imports, "changed: sent again");
        assertEquals(0, fixed.get("rowsRejected").asInt(), fixed.toString());
        assertEquals(List.of("fixed@example.com", "kept@example.com"), members());
    }

    @Test
    @Order(2)
    void sms_numbers_other_contacts_hold_are_found_from_the_report_alone() throws Exception {
        holds("holder1@example.com", "+33611111111");
        holds("holder2@example.com", "+33622222222");
        server.sql("""
                insert into profile (id, email, first_name, phone, consent) values
                  (950010, 'p10@example.com', 'Ten', '06 11 11 11 11', true),
                  (950011, 'p11@example.com', 'Eleven', '06 22 22 22 22', true),
                  (950012, 'p12@example.com', 'Twelve', '06 33 33 33 33', true)""");
        JsonNode run = server.runAndWait("reports");
        assertEquals(List.of(), contactReads, "no look-up of an owner, no page of the list");
        assertEquals(2, run.get("duplicates").asInt(), run.toString());
        assertEquals(2, run.get("rowsAdjusted").asInt());
        assertEquals("SMS +33611111111 belongs to another Brevo contact; delivered without it, and left out until the number changes",
                row(rows(run, "adjusted"), "950010").get("reason").asText());
        assertEquals("+33633333333", member("p12@example.com").get("attributes").get("SMS").asText(), "the rest keeps its numbers");
        assertNull(member("p10@example.com").get("attributes").get("SMS"));
        assertTrue(metrics().contains("brevo_sync_import_reports_total{connection=\"default\",outcome=\"read\",report=\"duplicate_phone_id\"}"),
                "the reports read are counted");
    }

    @Test
    @Order(2)
    void with_identifier_conflict_skip_a_reported_number_rejects_its_row_and_unlinks_its_contact() throws Exception {
        holds("holder600@example.com", "+33699999999");
        server.sql("insert into profile (id, email, first_name, phone, consent) values (950601, 'clean@example.com', 'Cl', '06 98 98 98 98', true)");
        server.runAndWait("strict");
        server.sql("insert into profile (id, email, first_name, phone, consent) values (950600, 'strict@example.com', 'St', '06 99 99 99 99', true)");
        JsonNode run = server.runAndWait("strict");
        assertEquals(List.of(), contactReads, "found from the report");
        assertEquals("SMS +33699999999 belongs to another Brevo contact; not sent (identifierConflict skip), and left out until the number changes",
                TestServer.json(server.api("GET", "/api/exports/strict/runs/" + run.get("id").asLong() + "/rows?outcome=rejected").body().getBytes())
                        .get("rows").get(0).get("reason").asText());
        assertEquals(List.of("clean@example.com"), server.sandbox().account("default").members(3).stream().map(m -> (String) m.get("email")).toList(),
                "its contact, imported without the number, is unlinked again");
        assertEquals(0, run.get("unlinksOwed").asInt(), run.toString());
    }

    @ParameterizedTest
    @EnumSource(value = ImportReports.Fault.class, names = {"UNREACHABLE", "EXPIRED", "MALFORMED"})
    @Order(3)
    void a_report_that_cannot_be_read_is_a_warning_and_loses_nothing(ImportReports.Fault fault) throws Exception {
        long id = 950100 + 10L * fault.ordinal();
        holds("owner" + id + "@example.com", "+3364444000" + fault.ordinal());
        server.sandbox().faults().rejectEmail("refused" + id + "@example.com");
        server.sandbox().reports().fault(fault);
        server.sql("insert into profile (id, email, first_name, phone, consent) values (" + id + ", 'phone" + id + "@example.com', 'Phone', '06 44 44 00 0"
                + fault.ordinal() + "', true), (" + (id + 1) + ", 'refused" + id + "@example.com', 'Refused', null, true)");
        JsonNode run = server.runAndWait("reports");
        String warnings = run.get("warnings").asText();
        assertTrue(warnings.contains("Brevo's invalid_emails report of import") && warnings.contains("could not be read"), warnings);
        assertTrue(warnings.contains("are sent again by the next run"), warnings);
        assertTrue(warnings.contains("Brevo's duplicate_phone_id report") && warnings.contains("its SMS numbers are looked up instead"), warnings);
        assertFalse(contactReads.isEmpty(), "the SMS numbers are found by today's look-ups");
        assertTrue(row(rows(run, "adjusted"), String.valueOf(id)).get("reason").asText().startsWith("SMS +336"), "and found");
        assertTrue(metrics().contains("outcome=\"unreadable\",report=\"invalid_emails\""), "counted as unreadable");

        server.sandbox().reports().fault(ImportReports.Fault.NONE);
        imports.clear();
        JsonNode next = server.runAndWait("reports");
        assertTrue(imports.stream().mapToInt(Integer::intValue).sum() >= 2, "the batch's rows went again: " + imports);
        assertEquals("invalid_emails", row(rows(next, "rejected"), String.valueOf(id + 1)).get("code").asText(), "now read from the report");
        assertTrue(next.get("warnings").isNull(), next.toString());
    }

    @Test
    @Order(3)
    void report_lines_that_name_no_row_sent_are_a_warning_and_the_batch_goes_again() throws Exception {
        server.sandbox().faults().rejectEmail("unnamed@example.com");
        server.sandbox().reports().fault(ImportReports.Fault.UNNAMED);
        server.sql("insert into profile (id, email, first_name, consent) values (950150, 'unnamed@example.com', 'Un', true)");
        JsonNode run = server.runAndWait("reports");
        assertTrue(run.get("warnings").asText().contains("1 line(s) of Brevo's invalid_emails report of import"), run.toString());
        assertEquals(1, run.get("invalidEmails").asInt(), "counted all the same");
        server.sandbox().reports().fault(ImportReports.Fault.NONE);
        imports.clear();
        JsonNode next = server.runAndWait("reports");
        assertEquals(List.of(1), imports, "sent again");
        assertEquals("invalid_emails", row(rows(next, "rejected"), "950150").get("code").asText());
    }

    @Test
    @Order(4)
    void the_older_integer_counters_still_count_and_start_the_look_ups() throws Exception {
        server.sandbox().reports().linksForm(false);
        holds("old-holder@example.com", "+33655555555");
        server.sandbox().faults().rejectEmail("old-refused@example.com");
        server.sql("""
                insert into profile (id, email, first_name, phone, consent) values
                  (950200, 'old-phone@example.com', 'Old', '06 55 55 55 55', true), (950201, 'old-refused@example.com', 'Old', null, true)""");
        JsonNode run = server.runAndWait("reports");
        assertEquals(1, run.get("invalidEmails").asInt(), run.toString());
        assertTrue(contactReads.stream().anyMatch(r -> r.startsWith("/v3/contacts/lists/2/contacts?")), "the list is read back for the number counted: "
                + contactReads);
        assertTrue(row(rows(run, "adjusted"), "950200").get("reason").asText().startsWith("SMS +33655555555 belongs to another Brevo contact"));
    }

    @Test
    @Order(5)
    void in_process_is_an_import_still_running() throws Exception {
        server.sandbox().faults().importDelayMs(1200);
        server.sql("insert into profile (id, email, first_name, consent) values (950300, 'slow@example.com', 'Slow', true)");
        JsonNode run = server.runAndWait("reports");
        assertEquals(0, run.get("rowsFailed").asInt(), run.toString());
        assertEquals(1, run.get("rowsAdded").asInt(), run.toString());
        assertTrue(statuses.contains("in_process") && statuses.contains("completed"), statuses.toString());
        assertTrue(members().contains("slow@example.com"));
    }

    @Test
    @Order(6)
    void a_status_brevo_does_not_document_ends_the_import_and_its_rows_go_again() throws Exception {
        server.sandbox().faults().failedImportStatus("aborted").failNextImports(1);
        server.sql("insert into profile (id, email, first_name, consent) values (950400, 'aborted@example.com', 'Ab', true)");
        JsonNode run = server.runAndWait("reports");
        assertEquals(0, run.get("rowsFailed").asInt(), run.toString());
        assertEquals(1, run.get("rowsAdded").asInt(), run.toString());
        assertEquals(List.of(1, 1), imports, "sent again by the run's second pass");
        assertEquals(List.of("process_failed Brevo import process " + firstProcess(run) + " ended with status 'aborted'"),
                server.strings("select code || ' ' || reason from export_row where run_id = " + run.get("id").asLong() + " and profile_id = '950400'"));
        assertTrue(members().contains("aborted@example.com"));
    }

    @Test
    @Order(7)
    void with_merges_modelled_a_number_another_contact_holds_merges_it_away_unless_the_export_knows() throws Exception {
        server.sandbox().faults().mergeIdentifiers(true);
        server.sql("""
                insert into profile (id, email, first_name, phone, consent) values
                  (950500, 'merger@example.com', 'Mer', null, true),
                  (950501, 'first@example.com', 'Fir', '06 88 88 88 88', true), (950502, 'second@example.com', 'Sec', '06 88 88 88 88', true)""");
        JsonNode first = server.runAndWait("reports");
        // what the export knows, it does not send: a number two of its profiles share, and one Brevo refused before
        assertEquals("SMS +33688888888 is also on profile 950501, which keeps it (the lowest profile id does); left out",
                row(rows(first, "adjusted"), "950502").get("reason").asText());
        assertEquals(200, lookUp("second@example.com"), "the second profile's contact is not merged into the first's");

        holds("outsider@example.com", "+33677777777");
        server.sql("update profile set phone = '06 77 77 77 77' where id = 950500");
        server.sql("update profile set first_name = 'Ten again' where id = 950010");
        JsonNode run = server.runAndWait("reports");
        assertEquals(404, lookUp("outsider@example.com"), "Brevo merged the number's holder into the exported contact and deleted it; its report says nothing");
        assertEquals("+33677777777", member("merger@example.com").get("attributes").get("SMS").asText());
        assertTrue(profiles(rows(run, "updated")).contains("950500"), "the export can only record what Brevo said: delivered");
        assertEquals("SMS +33611111111 belongs to another Brevo contact; left out", row(rows(run, "adjusted"), "950010").get("reason").asText());
        assertEquals(200, lookUp("holder1@example.com"), "the holder of a number the sync state remembers is not merged away");
    }

    private void holds(String email, String number) throws Exception {
        server.sandbox().account("default").createContact(TestServer.json(("{\"email\": \"" + email + "\", \"attributes\": {\"SMS\": \"" + number + "\"}}")
                .getBytes()));
    }

    private int lookUp(String email) throws Exception {
        try {
            server.sandbox().account("default").contact(email, "email_id");
            return 200;
        } catch (RuntimeException e) {
            return 404;
        }
    }

    private long firstProcess(JsonNode run) throws Exception {
        return Long.parseLong(server.strings("select min(process_id)::text from export_batch where run_id = " + run.get("id").asLong()).get(0));
    }

    private String metrics() throws Exception {
        return server.api("GET", "/observe/metrics").body();
    }

    private JsonNode rows(JsonNode run, String outcome) throws Exception {
        HttpResponse<String> rows = server.api("GET", "/api/exports/reports/runs/" + run.get("id").asLong() + "/rows?outcome=" + outcome);
        assertEquals(200, rows.statusCode(), rows.body());
        return TestServer.json(rows.body().getBytes());
    }

    private static JsonNode row(JsonNode rows, String profileId) {
        for (JsonNode row : rows.get("rows")) {
            if (row.get("profileId").asText().equals(profileId)) {
                return row;
            }
        }
        throw new AssertionError("no row of profile " + profileId + " in " + rows);
    }

    private static List<String> profiles(JsonNode rows) {
        List<String> ids = new ArrayList<>();
        rows.get("rows").forEach(row -> ids.add(row.get("profileId").asText()));
        return ids;
    }

    private List<String> members() {
        return server.sandbox().account("default").members(LIST).stream().map(m -> (String) m.get("email")).sorted().toList();
    }

    private JsonNode member(String email) {
        return server.sandbox().account("default").members(LIST).stream().filter(m -> email.equals(m.get("email")))
                .map(m -> (JsonNode) TestServer.JSON.valueToTree(m)).findFirst().orElseThrow(() -> new AssertionError(email + " is not in the list"));
    }
}
