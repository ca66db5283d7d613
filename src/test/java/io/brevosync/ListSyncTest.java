package io.brevosync;

import java.nio.file.Files;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Brevo list mirrors its segments run after run: only what changed is sent, who left is unlinked, the brake stops a
 * mass removal until someone decides. Every run is checked against the sandbox's list and its request log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ListSyncTest extends ServerTest {

    private static final long MIRROR = 4;
    private static final long OWED = 11;

    /** Brevo calls the sandbox saw: "METHOD path rows" with the number of contacts or addresses in the body. */
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    protected TestServer startServer() throws Exception {
        TestServer server = TestServer.startWithTestExports(Map.of("demo.profiles", "1000"));
        // runs from 40 days ago, for the retention route to find when it first looks (10 s after start-up); the
        // rejections of -3 still stand for a recent run
        server.sql("""
                insert into export_run (id, export_id, trigger, status, created_at, finished_at, standing_from) values
                    (-1, 'mirror', 'http', 'succeeded', now() - interval '40 days', now() - interval '40 days', null),
                    (-3, 'other', 'http', 'succeeded', now() - interval '40 days', now() - interval '40 days', null),
                    (-2, 'other', 'http', 'succeeded', now(), now(), -3);
                insert into export_row (run_id, profile_id, email, action, outcome, reason) values (-1, '1', 'old@example.com', 'add', 'rejected', 'old'),
                    (-3, '2', 'stands@example.com', 'add', 'rejected', 'stands');""");
        server.sandbox().inspector((method, path, query, headers, body, status, answer) -> {
            if (method.equals("POST") && status < 300) {
                JsonNode json = TestServer.json(body);
                int rows = json.has("jsonBody") ? json.get("jsonBody").size() : json.path("emails").size();
                calls.add(method + " " + path + " " + rows);
            }
        });
        return server;
    }

    @AfterEach
    void forgetCalls() {
        calls.clear();
    }

    @Test
    @Order(1)
    void a_first_run_adds_the_segments_and_a_second_run_with_nothing_changed_sends_nothing() throws Exception {
        JsonNode first = server.runAndWait("mirror");
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
        assertEquals(server.segmentResult("newsletter", "vip").size(), first.get("rowsAdded").asInt());
        assertEquals(0, first.get("rowsUpdated").asInt());
        assertEquals(first.get("rowsAdded").asInt(), importedRows(), "every added row was sent once");

        calls.clear();
        JsonNode second = server.runAndWait("mirror");
        assertEquals(List.of(), calls, "nothing changed: no Brevo call at all");
        assertEquals(first.get("rowsAdded").asInt(), second.get("rowsUnchanged").asInt());
        assertEquals(first.get("rowsRead").asInt(), second.get("rowsRead").asInt());
        assertEquals(0, second.get("rowsAdded").asInt() + second.get("rowsUpdated").asInt() + second.get("rowsRemoved").asInt());
        // rows with an invalid email are rejected again, and reported again, each run
        assertEquals(first.get("rowsRejected").asInt(), second.get("rowsRejected").asInt());
        assertEquals("succeeded_with_rejections", second.get("status").asText());
    }

    @Test
    @Order(2)
    void joins_changes_email_changes_and_leaves_are_mirrored() throws Exception {
        server.runAndWait("mirror");
        // 1 is in no segment (odd, not a multiple of 5) and joins vip; 4 gets a new first name; 8 a new email;
        // 12 leaves newsletter (its only segment); 10 leaves vip but stays in newsletter
        server.sql("""
                insert into segment_member (segment_id, profile_id) select id, 1 from segment where name = 'vip';
                update profile set first_name = 'Renamed' where id = 4;
                update profile set email = 'moved8@example.org' where id = 8;
                delete from segment_member where profile_id = 12;
                delete from segment_member where profile_id = 10 and segment_id = (select id from segment where name = 'vip');""");
        calls.clear();
        JsonNode run = server.runAndWait("mirror");

        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
        assertTrue(server.listMembers(MIRROR).stream().anyMatch(m -> m.startsWith("moved8@example.org|")), "the new address joined");
        assertTrue(server.listMembers(MIRROR).stream().noneMatch(m -> m.startsWith("customer8@") || m.startsWith("customer12@")));
        assertEquals(1, run.get("rowsAdded").asInt(), "profile 1");
        assertEquals(2, run.get("rowsUpdated").asInt(), "profiles 4 and 8");
        assertEquals(1, run.get("rowsRemoved").asInt(), "profile 12");
        assertEquals(List.of("POST /v3/contacts/import 3", "POST /v3/contacts/lists/4/contacts/remove 2"), calls,
                "3 rows imported; 12's address and 8's old one unlinked in one call");
        // the ledger says the same, row by row
        JsonNode rows = rows(run, "added,updated,removed");
        assertEquals(5, rows.size(), rows.toString());
        assertTrue(rows.toString().contains("\"email\":\"customer8@example.com\",\"action\":\"unlink\",\"outcome\":\"removed\""), rows.toString());
        assertTrue(rows.toString().contains("\"profileId\":\"12\",\"email\":\"customer12@example.com\",\"action\":\"remove\",\"outcome\":\"removed\""),
                rows.toString());
    }

    @Test
    @Order(3)
    void a_profile_that_leaves_and_rejoins_is_in_the_list_again() throws Exception {
        server.runAndWait("mirror");
        server.sql("delete from segment_member where profile_id = 14");
        assertEquals(1, server.runAndWait("mirror").get("rowsRemoved").asInt());
        assertTrue(server.listMembers(MIRROR).stream().noneMatch(m -> m.startsWith("customer14@")));

        server.sql("insert into segment_member (segment_id, profile_id) select id, 14 from segment where name = 'newsletter'");
        JsonNode rejoined = server.runAndWait("mirror");
        assertEquals(1, rejoined.get("rowsAdded").asInt());
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
    }

    @Test
    @Order(4)
    void a_run_with_one_percent_changed_sends_only_that_one_percent_and_a_full_resync_sends_all() throws Exception {
        JsonNode before = server.runAndWait("mirror");
        int members = server.listMembers(MIRROR).size();
        server.sql("update profile set last_name = last_name || '-x' where id in (select profile_id from segment_member) and id % 100 = 0");
        int changed = server.strings("""
                select distinct lower(btrim(p.email)) from profile p join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id
                where s.name in ('newsletter', 'vip') and p.last_name like '%-x' and p.email like '%@%.%'""").size();
        assertTrue(changed > 0 && changed * 50 < members, changed + " of " + members);
        calls.clear();
        JsonNode run = server.runAndWait("mirror");
        assertEquals(List.of("POST /v3/contacts/import " + changed), calls);
        assertEquals(changed, run.get("rowsUpdated").asInt());
        assertEquals(before.get("rowsRead").asInt(), run.get("rowsRead").asInt());
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));

        calls.clear();
        JsonNode full = server.runAndWait("mirror", true);
        assertEquals(members, importedRows(), "a full resync sends every member again");
        assertEquals(members, full.get("rowsUpdated").asInt());
        assertEquals(0, full.get("rowsUnchanged").asInt());
    }

    @Test
    @Order(5)
    void the_brake_stops_a_run_whose_source_is_empty_until_it_is_confirmed() throws Exception {
        server.runAndWait("mirror");
        var before = server.listMembers(MIRROR);
        server.sql("create table saved_members as select * from segment_member; delete from segment_member");
        try {
            calls.clear();
            JsonNode braked = server.runAndWait("mirror");
            assertEquals("needs_confirmation", braked.get("status").asText());
            assertEquals(0, braked.get("rowsRead").asInt());
            assertTrue(braked.get("message").asText().contains("the source returned no rows"), braked.toString());
            assertEquals(before, server.listMembers(MIRROR), "the list is untouched");
            assertEquals(List.of(), calls);
            assertEquals(before.size(), rows(braked, "pending").size());

            // a discard leaves the list as it is; the next run stops at the brake again
            var discarded = server.api("POST", "/api/exports/mirror/runs/" + braked.get("id").asLong() + "/discard");
            assertEquals(200, discarded.statusCode(), discarded.body());
            assertEquals(before, server.listMembers(MIRROR));
            JsonNode afterDiscard = TestServer.JSON.readTree(discarded.body());
            assertEquals(before.size(), rows(afterDiscard, "discarded").size());
            assertTrue(afterDiscard.get("message").asText().startsWith(before.size() + " removals discarded"), afterDiscard.toString());
            JsonNode again = server.runAndWait("mirror");
            assertEquals("needs_confirmation", again.get("status").asText());
            assertEquals(409, server.api("POST", "/api/exports/mirror/runs/" + braked.get("id").asLong() + "/confirm").statusCode(),
                    "only the latest braked run can be confirmed");

            var confirmed = server.api("POST", "/api/exports/mirror/runs/" + again.get("id").asLong() + "/confirm");
            assertEquals(200, confirmed.statusCode(), confirmed.body());
            JsonNode done = TestServer.JSON.readTree(confirmed.body());
            assertEquals("succeeded", done.get("status").asText(), done.toString());
            assertEquals(before.size(), done.get("rowsRemoved").asInt());
            assertEquals(Collections.emptySet(), server.listMembers(MIRROR));
            assertTrue(calls.stream().allMatch(c -> c.startsWith("POST /v3/contacts/lists/4/contacts/remove ")), calls.toString());
            assertEquals((before.size() + 149) / 150, calls.size(), "150 addresses per call");
        } finally {
            server.sql("insert into segment_member select * from saved_members; drop table saved_members");
        }
        JsonNode refilled = server.runAndWait("mirror");
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
        assertEquals(server.segmentResult("newsletter", "vip").size(), refilled.get("rowsAdded").asInt());
    }

    @Test
    @Order(6)
    void the_brake_stops_a_removal_above_the_share_and_a_smaller_one_goes_ahead() throws Exception {
        server.runAndWait("mirror");
        int members = server.listMembers(MIRROR).size();
        // vip-only profiles (odd multiples of 5) are about 10 % of the list: under the 20 % brake
        server.sql("delete from segment_member where segment_id = (select id from segment where name = 'vip')");
        JsonNode small = server.runAndWait("mirror");
        assertTrue(small.get("rowsRemoved").asInt() > members / 20, small.toString());
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));

        // half the list leaving is above it
        var before = server.listMembers(MIRROR);
        server.sql("delete from segment_member where profile_id % 4 = 0");
        JsonNode braked = server.runAndWait("mirror");
        assertEquals("needs_confirmation", braked.get("status").asText());
        assertTrue(braked.get("message").asText().contains("above maxRemovalPercent 20.0"), braked.get("message").asText());
        assertEquals(before, server.listMembers(MIRROR), "nobody unlinked before a confirmation");
    }

    @Test
    @Order(7)
    void leavers_are_moved_to_the_exit_list_or_kept_per_the_exit_policy() throws Exception {
        server.runAndWait("churn");
        server.runAndWait("promo");
        var churn = server.segmentResult("churn-risk");
        var promo = server.listMembers(7);
        server.sql("delete from segment_member where profile_id % 2 = 1 and segment_id in (select id from segment where name in ('churn-risk', 'spring-promo'))");
        JsonNode moved = server.runAndWait("churn");
        JsonNode kept = server.runAndWait("promo");

        assertEquals(emails(server.segmentResult("churn-risk")), emails(server.listMembers(5)));
        var exited = new java.util.TreeSet<>(churn);
        exited.removeAll(server.segmentResult("churn-risk"));
        // addresses only: attributes belong to the contact, which the promo export also updates
        assertEquals(emails(exited), emails(server.listMembers(6)), "leavers are in the exit list");
        assertEquals(exited.size(), moved.get("rowsRemoved").asInt());
        assertEquals(promo, server.listMembers(7), "keep: nobody unlinked");
        assertTrue(rows(kept, "kept").size() > 0);
        assertEquals(0, server.runAndWait("promo").get("rowsAdded").asInt(), "kept leavers are forgotten, not re-sent");
    }

    @Test
    @Order(8)
    void rows_of_a_run_are_paged_filtered_and_downloadable_as_csv() throws Exception {
        JsonNode run = server.runAndWait("mirror", true);
        String base = "/api/exports/mirror/runs/" + run.get("id").asLong();
        JsonNode page1 = TestServer.JSON.readTree(server.api("GET", base + "/rows?outcome=updated&limit=10").body());
        JsonNode page2 = TestServer.JSON.readTree(server.api("GET", base + "/rows?outcome=updated&limit=10&offset=10").body());
        assertEquals(10, page1.get("rows").size());
        assertTrue(page1.get("rows").get(0).get("outcome").asText().equals("updated"));
        assertTrue(!page1.get("rows").get(9).equals(page2.get("rows").get(0)), "pages do not overlap");
        assertEquals(400, server.api("GET", base + "/rows?outcome=nonsense").statusCode());
        assertEquals(400, server.api("GET", base + "/rows?limit=-1").statusCode());

        var csv = server.api("GET", base + "/rows.csv");
        assertEquals(200, csv.statusCode());
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"), csv.headers().toString());
        String[] lines = csv.body().split("\r\n");
        assertEquals("profile_id,email,action,outcome,code,reason,attempts", lines[0]);
        assertEquals(run.get("rowsRejected").asInt() + run.get("rowsFailed").asInt() + run.get("rowsDead").asInt(), lines.length - 1);
        assertTrue(lines[1].contains(",rejected,"), lines[1]);
        assertEquals(401, server.call("GET", base + "/rows.csv", null).statusCode());
    }

    @Test
    @Order(9)
    void the_ledger_forgets_runs_older_than_the_retention_but_keeps_the_sync_state() throws Exception {
        TestServer.await("the retention route", java.time.Duration.ofSeconds(20), () -> {
            try {
                return server.strings("select id from export_run where id = -1").isEmpty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(List.of(), server.strings("select reason from export_row where run_id = -1"));
        assertEquals(List.of("stands"), server.strings("select reason from export_row where run_id = -3"), "the rejection standing for run -2 stays");
        assertTrue(server.strings("select id from export_run where export_id = 'mirror'").size() > 5, "recent runs stay");
        assertTrue(Integer.parseInt(server.strings("select count(*) from sync_state where export_id = 'mirror'").get(0)) > 100, "the sync state stays");
        // after every run of this class (adds, updates, removals, unlinks, failures, resyncs): the triggers counted the state right
        assertEquals(List.of(), server.miscountedSyncStates());
    }

    @Test
    @Order(10)
    void a_long_run_records_what_brevo_applied_while_it_still_sends() throws Exception {
        // every demo profile in the segments: ten batches of 100
        server.sql("insert into segment_member (segment_id, profile_id) select s.id, p.id from profile p, segment s where s.name = 'newsletter' on conflict do nothing");
        int before = server.sandbox().requests().entries().size();
        JsonNode run = server.runAndWait("mirror", true);
        List<RequestLogEntry> seen = server.sandbox().requests().entries().subList(before, server.sandbox().requests().entries().size()).stream()
                .filter(e -> e.endpoint().equals("POST /v3/contacts/import") || e.endpoint().equals("GET /v3/processes")).map(RequestLogEntry::of).toList();
        int imports = (int) seen.stream().filter(e -> e.post).count();
        assertTrue(imports >= 8, "batches of 100: " + seen);
        int lastImport = java.util.stream.IntStream.range(0, seen.size()).filter(i -> seen.get(i).post).max().orElseThrow();
        long pollsWhileSending = seen.subList(0, lastImport).stream().filter(e -> !e.post).count();
        // the run looked at the processes once 4 imports were pending, not after every batch (100 calls an hour)
        assertTrue(pollsWhileSending >= 1 && pollsWhileSending <= imports / 3, seen.toString());
        // and what Brevo had applied became sync state before the last batch went out
        String lastSent = seen.get(lastImport).time;
        assertTrue(Integer.parseInt(server.strings("select count(*) from sync_state where export_id = 'mirror' and updated_at < '" + lastSent + "'::timestamptz"
                + " and updated_at >= (select started_at from export_run where id = " + run.get("id").asLong() + ")").get(0)) >= 300, lastSent);
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
    }

    @Test
    @Order(11)
    void unlinks_brevo_refuses_are_owed_until_a_later_run_does_them() throws Exception {
        server.runAndWait("owed");
        // three members of list 11: one leaves, one changes its email, one withdraws its consent
        List<String> ids = server.strings("""
                select p.id::text from profile p join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id
                where s.name = 'newsletter' and p.consent and p.email = 'customer' || p.id || '@example.com' order by p.id limit 3""");
        server.sql("delete from segment_member where profile_id = " + ids.get(0) + ";"
                + "update profile set email = 'renamed" + ids.get(1) + "@example.org' where id = " + ids.get(1) + ";"
                + "update profile set consent = false where id = " + ids.get(2));
        List<String> gone = List.of("customer" + ids.get(0) + "@example.com", "customer" + ids.get(1) + "@example.com", "customer" + ids.get(2) + "@example.com");
        assertTrue(emails(server.listMembers(OWED)).containsAll(gone));

        // Brevo refuses every unlink of two runs: the addresses stay owed, the second run tries them again
        server.sandbox().faults().refuseNextUnlinks(2);
        JsonNode refused = server.runAndWait("owed");
        assertEquals("failed", refused.get("status").asText(), refused.toString());
        assertEquals(2, refused.get("unlinksOwed").asInt(), "the old address and the one without consent");
        JsonNode again = server.runAndWait("owed");
        assertEquals(2, again.get("unlinksOwed").asInt(), again.toString());
        JsonNode oldAddress = null;
        for (JsonNode row : rows(again, "failed")) {
            oldAddress = row.get("email").asText().equals(gone.get(1)) ? row : oldAddress;
        }
        assertTrue(oldAddress != null && oldAddress.get("action").asText().equals("unlink") && oldAddress.get("attempts").asInt() == 2,
                "the old address, owed by the first run, is tried again: " + oldAddress);
        assertTrue(emails(server.listMembers(OWED)).containsAll(gone), "nothing was unlinked yet");

        // a full resync after Brevo allows it again: all three are out, nothing is owed, the new address is in
        JsonNode done = server.runAndWait("owed", true);
        assertEquals(0, done.get("unlinksOwed").asInt(), done.toString());
        assertEquals(1, done.get("rowsRemoved").asInt(), "the leaver");
        assertEquals(2, done.get("rowsUnlinked").asInt(), "the old address and the one without consent");
        java.util.Set<String> members = emails(server.listMembers(OWED));
        assertTrue(gone.stream().noneMatch(members::contains), members.toString());
        assertTrue(members.contains("renamed" + ids.get(1) + "@example.org"));
        assertNothingSent("owed", "nothing left to do");
    }

    @Test
    @Order(12)
    void a_row_with_a_column_postgresql_cannot_hash_by_value_is_compared_as_its_text() throws Exception {
        // json has no hash function: the row is hashed as its text, and a change of it is still seen
        addExport(Map.of("exportId", "jsonrow", "listId", "12", "segments", "newsletter", "mapping", "EMAIL=email,FIRSTNAME=first_name", "query",
                "select p.id as profile_id, p.email, p.first_name, json_build_object('city', p.city) as extra from profile p "
                        + "join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id where s.name = any(:#segments)"));
        JsonNode first = server.runAndWait("jsonrow");
        assertTrue(first.get("rowsAdded").asInt() > 100, first.toString());
        assertEquals(first.get("rowsAdded").asInt(), server.listMembers(12).size());
        calls.clear();
        assertEquals(first.get("rowsAdded").asInt(), server.runAndWait("jsonrow").get("rowsUnchanged").asInt());
        assertEquals(List.of(), calls, "nothing changed: nothing sent");
        server.sql("update profile set city = city || ' (moved)' where email = '" + server.listMembers(12).iterator().next().split("\\|")[0] + "'");
        assertEquals(1, server.runAndWait("jsonrow").get("rowsUpdated").asInt(), "only the json column changed");
    }

    @Test
    @Order(13)
    void a_run_finds_its_import_under_sixty_newer_processes_by_paging_not_by_id() throws Exception {
        var account = server.sandbox().account("default");
        server.sql("update profile set first_name = coalesce(first_name, '') || 'x' where id in (select m.profile_id from segment_member m "
                + "join segment s on s.id = m.segment_id where s.name = 'newsletter' order by m.profile_id limit 20)");
        long busyList = account.createList("busy", 1);
        long byIdBefore = server.sandbox().requests().count("default", "GET /v3/processes/{id}", 200);
        server.sandbox().faults().importDelayMs(2000);
        try {
            long runId = server.startRun("jsonrow", false);
            TestServer.await("the run's import", java.time.Duration.ofSeconds(20), () -> calls.stream().anyMatch(c -> c.startsWith("POST /v3/contacts/import ")));
            // another client of the account imports 60 times meanwhile: the run's import is no longer among the latest 50
            for (int i = 0; i < 60; i++) {
                account.importContacts(TestServer.JSON.readTree("{\"listIds\":[" + busyList + "],\"jsonBody\":[{\"email\":\"busy" + i + "@example.com\"}]}"), null);
            }
            server.sandbox().faults().importDelayMs(0);
            JsonNode run = server.awaitRun("jsonrow", runId);
            assertTrue(run.get("rowsUpdated").asInt() > 0, run.toString());
            assertEquals(0, run.get("rowsFailed").asInt(), run.toString());
        } finally {
            server.sandbox().faults().clear();
        }
        assertEquals(byIdBefore, server.sandbox().requests().count("default", "GET /v3/processes/{id}", 200), "found on a later page, not by id");
        assertNothingSent("jsonrow", "what the import applied is the sync state: nothing is sent again");
    }

    @Test
    @Order(14)
    void a_first_run_whose_import_failed_records_the_rows_its_second_pass_delivered_as_delivered() throws Exception {
        // a new export's rows are first written as new: those of the failed import are already there, with their failure
        addExport(Map.of("exportId", "fresh", "listId", "13", "segments", "newsletter", "mapping", "EMAIL=email,FIRSTNAME=first_name", "batchMaxRows", "100"));
        server.sandbox().faults().failNextImports(1);
        JsonNode run = server.runAndWait("fresh");
        assertEquals(0, run.get("rowsFailed").asInt(), run.toString());
        assertTrue(run.get("rowsDelivered").asInt() > 100, run.toString());
        assertEquals(List.of(run.get("rowsDelivered").asInt() + " delivered, 0 failed"), server.strings("select count(*) filter (where hash is not null) "
                + "|| ' delivered, ' || count(*) filter (where failures > 0 or last_error is not null) || ' failed' from sync_state where export_id = 'fresh'"));
        assertNothingSent("fresh", "delivered: not sent again");
    }

    /** Writes an export's file and reloads: the export must be taken. */
    private void addExport(Map<String, String> parameters) throws Exception {
        Files.writeString(server.exportsDir().resolve(parameters.get("exportId") + ".camel.yaml"), TestServer.exportFile(parameters));
        JsonNode reload = server.reload();
        assertTrue(reload.get("errors").isEmpty(), reload.toString());
    }

    /** The export's next run sends Brevo nothing. */
    private void assertNothingSent(String exportId, String why) throws Exception {
        calls.clear();
        server.runAndWait(exportId);
        assertEquals(List.of(), calls, why);
    }

    /** A request the sandbox answered: an import (post) or a look at the processes, and when. */
    private record RequestLogEntry(boolean post, String time) {
        static RequestLogEntry of(io.brevosync.sandbox.RequestLog.Entry entry) {
            return new RequestLogEntry(entry.method().equals("POST"), entry.time());
        }
    }

    private static java.util.Set<String> emails(java.util.Set<String> members) {
        return new java.util.TreeSet<>(members.stream().map(m -> m.substring(0, m.indexOf('|'))).toList());
    }

    private int importedRows() {
        return calls.stream().filter(c -> c.startsWith("POST /v3/contacts/import ")).mapToInt(c -> Integer.parseInt(c.substring(c.lastIndexOf(' ') + 1))).sum();
    }

    private JsonNode rows(JsonNode run, String outcome) throws Exception {
        var response = server.api("GET", "/api/exports/" + run.get("exportId").asText() + "/runs/" + run.get("id").asLong() + "/rows?limit=10000&outcome=" + outcome);
        assertEquals(200, response.statusCode(), response.body());
        return TestServer.JSON.readTree(response.body()).get("rows");
    }
}
