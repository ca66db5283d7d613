package io.brevosync;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.sandbox.SandboxAccount;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The list changed behind the server's back (members removed and added by hand in the sandbox): a dry run reports
 * the drift and changes nothing, a reconciling run repairs it; members the export never added are left alone unless
 * the export says reconcile: strict.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconciliationTest extends ServerTest {

    private static final long LIST = 2;
    private static final List<String> FOREIGN = List.of("walk-in1@example.net", "walk-in2@example.net");

    @Override
    protected TestServer startServer() throws Exception {
        TestServer server = TestServer.start(Map.of("demo.profiles", "1200", "sandbox.lists", "Demo newsletter,Reconciled"));
        writeExport(server, Map.of("reconcile", "report"));
        return server;
    }

    @Test
    @Order(1)
    void a_dry_run_reports_what_changed_behind_the_servers_back_and_changes_nothing() throws Exception {
        server.runAndWait("recon");
        Set<String> delivered = members();
        assertEquals(emails(server.segmentResult("newsletter")), delivered);
        List<String> removedByHand = delivered.stream().limit(3).toList();
        changeByHand(removedByHand);
        Set<String> before = members();
        List<Integer> requestsBefore = List.of(server.sandbox().requests().entries().size());

        var response = server.api("POST", "/api/exports/recon/reconcile?dryRun=true");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode drift = TestServer.JSON.readTree(response.body());
        assertEquals(delivered.size() - 3 + FOREIGN.size(), drift.get("listMembers").asInt(), drift.toString());
        assertEquals(3, drift.get("missing").asInt(), drift.toString());
        assertEquals(FOREIGN.size(), drift.get("foreign").asInt(), drift.toString());
        assertEquals(0, drift.get("owed").asInt(), drift.toString());
        assertEquals(removedByHand, TestServer.JSON.convertValue(drift.at("/samples/missing"), List.class));
        assertEquals(FOREIGN, TestServer.JSON.convertValue(drift.at("/samples/foreign"), List.class));
        assertEquals(0, drift.get("wouldUnlink").asInt(), "reconcile report leaves foreign members alone");
        assertEquals(before, members(), "a dry run changes nothing");
        assertTrue(server.sandbox().requests().entries().stream().skip(requestsBefore.get(0)).allMatch(e -> e.method().equals("GET")),
                "a dry run only reads");
        assertEquals(0, server.strings("select count(*) from list_snapshot").stream().mapToInt(Integer::parseInt).sum(), "the snapshot is gone");
    }

    @Test
    @Order(2)
    void a_reconciling_run_sends_the_missing_members_again_and_leaves_the_foreign_ones() throws Exception {
        var response = server.api("POST", "/api/exports/recon/reconcile?wait=true");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode run = TestServer.JSON.readTree(response.body());
        assertEquals("reconcile", run.get("trigger").asText());
        assertEquals(3, run.get("driftMissing").asInt(), run.toString());
        assertEquals(FOREIGN.size(), run.get("driftForeign").asInt(), run.toString());
        assertEquals(3, run.get("rowsAdded").asInt(), "the three removed by hand are imported again: " + run);
        Set<String> expected = emails(server.segmentResult("newsletter"));
        expected.addAll(FOREIGN);
        assertEquals(expected, members());
    }

    @Test
    @Order(3)
    void with_reconcile_strict_members_the_export_never_added_are_unlinked_too() throws Exception {
        writeExport(server, Map.of("reconcile", "strict"));
        server.api("POST", "/api/exports/reload");
        JsonNode drift = TestServer.JSON.readTree(server.api("POST", "/api/exports/recon/reconcile?dryRun=true").body());
        assertEquals(FOREIGN.size(), drift.get("wouldUnlink").asInt(), drift.toString());

        JsonNode run = TestServer.JSON.readTree(server.api("POST", "/api/exports/recon/reconcile?wait=true").body());
        assertEquals("succeeded_with_rejections", run.get("status").asText(), run.toString());
        assertEquals(FOREIGN.size(), run.get("rowsUnlinked").asInt(), run.toString());
        assertEquals(0, run.get("unlinksOwed").asInt(), run.toString());
        assertEquals(emails(server.segmentResult("newsletter")), members(), "the list is the segment again");
    }

    @Test
    @Order(4)
    void a_list_that_cannot_be_read_or_an_unknown_export_is_a_clear_error() throws Exception {
        Runnable restore = server.sandbox().account("default").removeList(LIST);
        try {
            var response = server.api("POST", "/api/exports/recon/reconcile?dryRun=true");
            assertEquals(502, response.statusCode(), response.body());
            assertTrue(response.body().contains("Brevo list 2 does not exist"), response.body());
        } finally {
            restore.run();
        }
        var unknown = server.api("POST", "/api/exports/nope/reconcile?dryRun=true");
        assertEquals(404, unknown.statusCode(), unknown.body());
    }

    @Test
    @Order(5)
    void reconcile_cron_reconciles_on_its_own_schedule() throws Exception {
        List<String> removedByHand = members().stream().limit(2).toList();
        server.sandbox().account("default").changeMembership(LIST, TestServer.JSON.valueToTree(Map.of("emails", removedByHand)), false);
        writeExport(server, Map.of("reconcile", "report", "reconcileCron", "0/2 * * * * ?"));
        try {
            TestServer.await("a scheduled reconciling run", java.time.Duration.ofSeconds(30), () -> {
                try {
                    return !server.strings("select id from export_run where export_id = 'recon' and trigger = 'reconcile' and started_by = 'reconcile' "
                            + "and status = 'succeeded_with_rejections' and drift_missing = 2").isEmpty();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(emails(server.segmentResult("newsletter")), members());
        } finally {
            writeExport(server, Map.of("reconcile", "report"));
        }
    }

    @Test
    @Order(6)
    void an_address_the_export_owes_an_unlink_is_reported_owed_and_unlinked_by_the_reconciling_run() throws Exception {
        String id = server.strings("""
                select p.id::text from profile p join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id
                where s.name = 'newsletter' and p.email = 'customer' || p.id || '@example.com' order by p.id limit 1""").get(0);
        server.sql("update profile set email = 'moved" + id + "@example.org' where id = " + id);
        server.sandbox().faults().refuseNextUnlinks(1);
        assertEquals(1, server.runAndWait("recon").get("unlinksOwed").asInt());

        JsonNode drift = TestServer.JSON.readTree(server.api("POST", "/api/exports/recon/reconcile?dryRun=true").body());
        assertEquals(1, drift.get("owed").asInt(), drift.toString());
        assertEquals(List.of("customer" + id + "@example.com"), TestServer.JSON.convertValue(drift.at("/samples/owed"), List.class));
        JsonNode run = TestServer.JSON.readTree(server.api("POST", "/api/exports/recon/reconcile?wait=true").body());
        assertEquals(1, run.get("driftOwed").asInt(), run.toString());
        assertEquals(1, run.get("rowsUnlinked").asInt(), run.toString());
        assertEquals(0, run.get("unlinksOwed").asInt(), run.toString());
        assertEquals(emails(server.segmentResult("newsletter")), members());
    }

    /** Behind the server's back: members removed from the list, contacts added to it, both by hand. */
    private void changeByHand(List<String> removed) {
        SandboxAccount account = server.sandbox().account("default");
        account.changeMembership(LIST, TestServer.JSON.valueToTree(Map.of("emails", removed)), false);
        for (String email : FOREIGN) {
            account.createContact(TestServer.JSON.valueToTree(Map.of("email", email, "listIds", List.of(LIST))));
        }
    }

    private Set<String> members() {
        return emails(server.listMembers(LIST));
    }

    private static Set<String> emails(Set<String> members) {
        return new TreeSet<>(members.stream().map(m -> m.substring(0, m.indexOf('|'))).toList());
    }

    private static void writeExport(TestServer server, Map<String, String> more) throws Exception {
        Map<String, String> values = new java.util.LinkedHashMap<>(Map.of("exportId", "recon", "listId", String.valueOf(LIST), "segments", "newsletter",
                "cron", "0 0 0 1 1 ? 2099"));
        values.putAll(more);
        Files.writeString(server.exportsDir().resolve("recon.camel.yaml"), TestServer.exportFile(values));
        server.api("POST", "/api/exports/reload");
    }
}
