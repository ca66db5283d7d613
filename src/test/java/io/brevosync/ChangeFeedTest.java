package io.brevosync;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportSource;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.Normalise;
import io.brevosync.sync.ChangeFeed;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rerun of an export on the default query compares only the profiles the change feed names, and leaves the list
 * and the sync state as a comparison of every profile would: after each round of random changes the list holds the
 * segments' result, and a dry run, which compares every profile, finds nothing left to send or remove.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChangeFeedTest extends ServerTest {

    private static final long MIRROR = 4;

    @Override
    protected TestServer startServer() throws Exception {
        return TestServer.startWithTestExports(Map.of("demo.profiles", "1000"));
    }

    @Test
    @Order(1)
    void random_changes_are_mirrored_by_runs_that_compare_only_what_changed() throws Exception {
        JsonNode first = server.runAndWait("mirror");
        assertTrue(first.get("profilesCompared").isNull(), "a first run compares every profile: " + first);
        Random random = new Random(19);
        JsonNode last = first;
        for (int round = 1; round <= 6; round++) {
            server.sql(changes(random, 1000 + round));
            JsonNode run = server.runAndWait("mirror");
            last = run;
            String context = "round " + round + ": " + run;
            long compared = run.get("profilesCompared").asLong(-1);
            assertTrue(compared > 0 && compared * 4 < run.get("rowsRead").asLong(), context);
            assertTrue(run.get("status").asText().startsWith("succeeded"), context);
            assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR), context);
            JsonNode dry = json(server.api("POST", "/api/exports/mirror/dry-run?sample=3")).get("counts");
            assertEquals(0, dry.get("rowsAdded").asLong() + dry.get("rowsUpdated").asLong() + dry.get("rowsRemoved").asLong(),
                    "a comparison of every profile finds nothing left to do: " + dry + "; " + context);
            // what the last run rejected is reported again, as a comparison of every profile reports it
            assertEquals(dry.get("rowsRejected").asLong(), run.get("rowsRejected").asLong(), context);
            List<String> rejections = rejections(run);
            assertEquals(run.get("rowsRejected").asLong() + run.get("rowsWithoutConsent").asLong(), rejections.size(), context);
            assertEquals(rejections.size(), rejections.stream().map(r -> r.split(" ")[0]).distinct().count(), "one row a profile: " + rejections);
            assertEquals(List.of(), server.miscountedSyncStates(), context);
        }
        // nothing changed: nothing sent, and the last run's rejections stand without being read again
        JsonNode quiet = server.runAndWait("mirror");
        assertEquals(0, quiet.get("rowsAdded").asLong() + quiet.get("rowsUpdated").asLong() + quiet.get("rowsRemoved").asLong(), quiet.toString());
        assertTrue(last.get("rowsRejected").asLong() > 0, last.toString());
        assertEquals(last.get("rowsRejected").asLong(), quiet.get("rowsRejected").asLong(), quiet.toString());
        assertEquals(last.get("rowsRead").asLong(), quiet.get("rowsRead").asLong(), quiet.toString());
        assertTrue(quiet.get("profilesCompared").asLong() < quiet.get("rowsRejected").asLong(), quiet.toString());
        // listed as the last run's, and recorded again only where read again
        assertEquals(rejections(last), rejections(quiet));
        long recorded = Long.parseLong(server.strings("select count(*) from export_row where run_id = " + quiet.get("id")
                + " and outcome in ('rejected', 'no_consent')").get(0));
        assertTrue(recorded <= quiet.get("profilesCompared").asLong(), recorded + " rows recorded: " + quiet);
        // a comparison of every profile rejects the same rows
        server.sql("update export_feed set compared_all = now() - interval '25 hours' where export_id = 'mirror'");
        JsonNode all = server.runAndWait("mirror");
        assertTrue(all.get("profilesCompared").isNull(), all.toString());
        assertEquals(rejections(all), rejections(quiet));
    }

    @Test
    @Order(2)
    void an_address_passes_to_the_unchanged_profile_that_shares_it_when_its_owner_leaves() throws Exception {
        deliverInNewsletter("(5001, 'shared@example.com', 'Owner', 'A'), (5002, ' SHARED@example.com', 'Second', 'B')", 5001, 5002);
        assertTrue(server.listMembers(MIRROR).contains("shared@example.com|Owner|A"));

        server.sql("delete from segment_member where profile_id = 5001");
        JsonNode run = server.runAndWait("mirror");
        assertTrue(run.get("profilesCompared").isNumber(), run.toString());
        assertTrue(server.listMembers(MIRROR).contains("shared@example.com|Second|B"), "profile 5002 did not change, but now owns the address");
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
    }

    @Test
    @Order(3)
    void rows_whose_import_failed_are_sent_by_the_next_run() throws Exception {
        server.sql("""
                insert into profile (id, email, first_name, last_name) select i, 'retried' || i || '@example.com', 'To', 'Retry' from generate_series(6001, 6003) i;
                insert into segment_member (segment_id, profile_id) select id, p from segment, generate_series(6001, 6003) p where name = 'newsletter';""");
        JsonNode delivered = server.runAndWait("mirror");
        List<String> rejected = rejections(delivered);
        // the failed run also reads a rejected profile again, and rejects it again
        server.sql("update profile set last_name = 'Retried' where id between 6001 and 6003 or id = " + rejected.get(0).split(" ")[0]);
        server.sandbox().faults().failNextImports(2);
        JsonNode failed = server.runAndWait("mirror");
        assertEquals("failed", failed.get("status").asText(), failed.toString());

        JsonNode next = server.runAndWait("mirror");
        assertEquals(3, next.get("rowsUpdated").asLong(), next.toString());
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
        // each run lists each rejection once: the failed one its own row, the next one its own again
        assertEquals(rejected, rejections(failed));
        assertEquals(rejected, rejections(next));
    }

    @Test
    @Order(4)
    void a_renamed_segment_a_day_gone_by_or_a_query_of_its_own_compares_every_profile() throws Exception {
        server.runAndWait("mirror");
        server.sql("update segment set name = 'vip' where name = 'vip'");
        assertTrue(server.runAndWait("mirror").get("profilesCompared").isNull(), "a segment changed: anyone may have joined or left");
        assertTrue(server.runAndWait("mirror").get("profilesCompared").isNumber(), "and then the feed again");
        server.sql("update export_feed set compared_all = now() - interval '25 hours' where export_id = 'mirror'");
        assertTrue(server.runAndWait("mirror").get("profilesCompared").isNull(), "a day after the last comparison of every profile");
        assertTrue(server.runAndWait("mirror").get("profilesCompared").isNumber(), "which starts the day again");

        server.runAndWait("quality");
        server.sql("update profile set first_name = 'Changed' where id = 900001");
        JsonNode own = server.runAndWait("quality");
        assertTrue(own.get("profilesCompared").isNull(), "an export with its own query may read any table: " + own);
    }

    @Test
    @Order(5)
    void the_feed_keeps_only_what_an_export_still_reads() throws Exception {
        server.runAndWait("mirror");
        // only mirror's position holds the feed (quality's, taken in an earlier test, may predate every change left
        // there once the start-up retention has run)
        server.sql("delete from export_feed where export_id <> 'mirror'");
        server.sql("update profile set city = 'Lyon' where id between 1 and 50");
        long before = count("select count(*) from profile_change");
        long updated = count("select count(*) from profile where id between 1 and 50");
        assertTrue(updated > 0 && before >= updated, "the trigger wrote the " + updated + " changes: " + before);
        server.runAndWait("mirror");
        server.context().getRegistry().lookupByNameAndType("changeFeed", ChangeFeed.class).trim();
        assertTrue(count("select count(*) from profile_change") < before, "the feed before every export's position went");
        assertEquals(0, count("select count(*) from profile_change c where c.xid < (select min(since::text::bigint) from export_feed)::text::xid8"));
    }

    @Test
    @Order(6)
    void the_index_a_run_finds_shared_addresses_by_matches_its_key() throws Exception {
        try (Connection c = server.db().getConnection(); Statement s = c.createStatement()) {
            s.execute("set enable_seqscan = off");
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = s.executeQuery("explain select 1 from profile where " + Normalise.emailKeySql("email") + " collate \"C\" = any('{a@example.com}')")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            assertTrue(plan.toString().contains("profile_email_key"), plan.toString());
        }
        // and the key in SQL is the key in Java, whatever padding surrounds the address
        String padded = "\u00A0\u200B\t Someone@Example.COM\r\n\u000B\f\u2007\u202F\u200C\u200D\u2060\uFEFF ";
        try (Connection c = server.db().getConnection(); var s = c.prepareStatement("select " + Normalise.emailKeySql("?::text"))) {
            s.setString(1, padded);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                assertEquals(Normalise.emailKey(padded), rs.getString(1));
                assertEquals("someone@example.com", rs.getString(1));
            }
        }
    }

    @Test
    @Order(7)
    void a_query_whose_ids_or_addresses_no_index_finds_or_whose_tables_have_no_triggers_compares_every_profile() throws Exception {
        ExportDefinition m = server.context().getRegistry().lookupByNameAndType("exportRegistry", ExportRegistry.class).get("mirror");
        assertEquals(null, feed().uncovered(m, "int8"), "the demo's query finds addresses by profile_email_key, and its tables have the feed");
        // lower(email) is not what the index holds: each row would be compared with every changed address
        assertEquals("no index finds a profile by its address key (feed install --email)", uncovered(m, m.query().replace("p.email,", "lower(p.email) as email,")));
        // nor is p.id + 0 profile's primary key: each changed id would read the table
        assertEquals("no index finds a profile by its key", uncovered(m, m.query().replace("p.id as profile_id", "p.id + 0 as profile_id")));
        // nor are changes of another table in the feed: here an export's rows depend on the users of the API
        assertEquals("no change-feed triggers on [brevo_sync.api_user] (docs/your-database.md: feed install --export mirror)",
                uncovered(m, m.query().replace("from profile p", "from profile p join (select count(*) as n from brevo_sync.api_user) u on u.n >= 0")));
        assertEquals("the profile key is not a whole number (uuid)", feed().uncovered(m, "uuid"), "the feed holds whole-number ids");
    }

    @Test
    @Order(8)
    void a_rejected_profile_whose_address_the_list_still_holds_is_compared_again() throws Exception {
        deliverInNewsletter("(7001, 'first7001@example.com', 'Was', 'First'), (7002, 'kept@example.com', 'Kept', 'B')", 7001, 7002);
        // the lower id takes 7002's address: 7002, delivered with it, is now a duplicate, and its sync state still holds it
        server.sql("update profile set email = 'kept@example.com' where id = 7001");
        JsonNode taken = server.runAndWait("mirror");
        assertEquals(List.of("rejected"), server.strings("select outcome from export_row where run_id = " + taken.get("id") + " and profile_id = '7002'"));
        assertEquals(List.of("kept@example.com"), server.strings("select email from sync_state where export_id = 'mirror' and profile_id = '7002'"));
        // nothing changed since: the feed names 7002 (its state holds an address), as a comparison of every profile reads it
        ExportDefinition m = server.context().getRegistry().lookupByNameAndType("exportRegistry", ExportRegistry.class).get("mirror");
        ChangeFeed.Scope scope = feed().open(m, 1000, "int8");
        assertTrue(List.of(scope.profileIds()).contains("7002"), List.of(scope.profileIds()).toString());
        JsonNode quiet = server.runAndWait("mirror");
        assertEquals(List.of("rejected"), server.strings("select outcome from export_row where run_id = " + quiet.get("id") + " and profile_id = '7002'"));
        assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(MIRROR));
    }

    /** New profiles (id, email, first and last name) added to the newsletter segment, and a run that delivers them. */
    @Test
    @Order(9)
    void an_address_only_brevo_refused_is_not_compared_again_until_it_changes() throws Exception {
        server.sandbox().faults().rejectEmail("refused-by-brevo@example.com");
        deliverInNewsletter("(8001, 'refused-by-brevo@example.com', 'Re', 'Fused')", 8001);
        JsonNode rerun = server.runAndWait("mirror");
        assertEquals(List.of(), server.strings("select outcome from export_row where run_id = " + rerun.get("id") + " and profile_id = '8001'"),
                "not read again: " + rerun);
        assertTrue(rejections(rerun).contains("8001 rejected Brevo did not import it (invalid_emails): Invalid email address"), "the rejection stands");
        assertEquals(server.strings("select count(distinct m.profile_id) from segment_member m join segment s on s.id = m.segment_id "
                + "where s.name in ('newsletter', 'vip')"), List.of(rerun.get("rowsRead").asText()), "counted once, as rejected, not also as unchanged");
        assertEquals(List.of(), server.miscountedSyncStates());
        server.sql("update profile set first_name = 'Changed' where id = 8001");
        JsonNode changed = server.runAndWait("mirror");
        assertEquals(List.of("rejected invalid_emails"), server.strings("select outcome || ' ' || code from export_row where run_id = " + changed.get("id")
                + " and profile_id = '8001'"), "changed: sent, and refused by Brevo again");
    }

    private void deliverInNewsletter(String profiles, int... ids) throws Exception {
        server.sql("insert into profile (id, email, first_name, last_name) values " + profiles + ";\n"
                + "insert into segment_member (segment_id, profile_id) select id, p from segment, unnest(array" + java.util.Arrays.toString(ids)
                + ") p where name = 'newsletter';");
        server.runAndWait("mirror");
    }

    /** The run's rejected rows and rows without consent as the API lists them ("profile outcome reason"), sorted. */
    private List<String> rejections(JsonNode run) throws Exception {
        JsonNode rows = json(server.api("GET", "/api/exports/mirror/runs/" + run.get("id").asLong() + "/rows?outcome=rejected,no_consent&limit=10000")).get("rows");
        List<String> listed = new ArrayList<>();
        rows.forEach(row -> listed.add(row.get("profileId").asText() + " " + row.get("outcome").asText() + " " + row.get("reason").asText()));
        return listed.stream().sorted().toList();
    }

    /** Why the feed does not cover the export with this query instead of its own (null: it does). */
    private String uncovered(ExportDefinition m, String query) throws Exception {
        assertTrue(!query.equals(m.query()), m.query());
        return feed().uncovered(m.readingFrom(new ExportSource("", query, ExportSource.PROFILE_ID, "", false)), "int8");
    }

    private ChangeFeed feed() {
        return server.context().getRegistry().lookupByNameAndType("changeFeed", ChangeFeed.class);
    }

    /** Changes of one round: names, emails taken from others, joins, leaves, a profile deleted and one added. */
    private static String changes(Random random, int newId) {
        List<String> sql = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sql.add("update profile set first_name = 'Round" + newId + "' where id = " + (1 + random.nextInt(1000)));
        }
        for (int i = 0; i < 2; i++) {
            sql.add("update profile set email = upper((select email from profile where id = " + (1 + random.nextInt(1000)) + ")) where id = " + (1 + random.nextInt(1000)));
        }
        for (int i = 0; i < 3; i++) {
            sql.add("delete from segment_member where profile_id = " + (1 + random.nextInt(1000)));
            sql.add("insert into segment_member (segment_id, profile_id) select id, " + (1 + random.nextInt(1000))
                    + " from segment where name = 'newsletter' on conflict do nothing");
        }
        sql.add("delete from profile where id = " + (1 + random.nextInt(1000)));
        sql.add("insert into profile (id, email, first_name, last_name) select " + newId + ", email, 'Copy', 'Of' from profile where id = "
                + (1 + random.nextInt(1000)) + " union all select " + newId + ", 'new" + newId + "@example.com', 'New', 'One' limit 1");
        sql.add("insert into segment_member (segment_id, profile_id) select id, " + newId + " from segment where name = 'vip'");
        return String.join(";\n", sql);
    }

    private long count(String sql) throws Exception {
        return Long.parseLong(server.strings(sql).get(0));
    }

    private static JsonNode json(java.net.http.HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return TestServer.json(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
