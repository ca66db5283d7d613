package io.brevosync.sandbox;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sandbox behaves like Brevo v3 where the exporter depends on it: auth, limits, async imports, list membership, faults. */
class BrevoSandboxTest {

    private BrevoSandbox sandbox;
    private SandboxClient brevo;
    private long listId;

    @BeforeEach
    void start() throws Exception {
        sandbox = new BrevoSandbox("localhost", 0).start();
        SandboxAccount account = sandbox.addAccount("test", "key-test", RateLimits.unlimited());
        account.defineAttribute("AGE", "float");
        listId = account.createList("Test list", 1);
        sandbox.addAccount("other", "key-other", RateLimits.unlimited()).createList("Other", 1);
        brevo = new SandboxClient(sandbox, "key-test");
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void missing_or_wrong_api_key_is_401_with_brevo_error_body() throws Exception {
        for (SandboxClient client : List.of(new SandboxClient(sandbox, null), new SandboxClient(sandbox, "nope"))) {
            HttpResponse<String> response = client.send("GET", "/v3/contacts/lists", null);
            assertEquals(401, response.statusCode());
            assertEquals("unauthorized", SandboxClient.JSON.readTree(response.body()).get("code").asText());
        }
    }

    @Test
    void accounts_keep_their_own_data() throws Exception {
        importOne("{\"email\":\"a@example.com\"}");
        SandboxClient other = new SandboxClient(sandbox, "key-other");
        assertEquals(404, other.send("GET", "/v3/contacts/a%40example.com", null).statusCode());
        assertEquals(1, sandbox.account("test").contactCount());
        assertEquals(0, sandbox.account("other").contactCount());
    }

    @Test
    void import_is_asynchronous_queued_then_in_process_then_processing_then_completed() throws Exception {
        sandbox.faults().importDelayMs(600);
        long first = brevo.json("POST", "/v3/contacts/import", importBody("{\"email\":\"a@example.com\"}"), 202).get("processId").asLong();
        long second = brevo.json("POST", "/v3/contacts/import", importBody("{\"email\":\"b@example.com\"}"), 202).get("processId").asLong();
        assertEquals("queued", brevo.json("GET", "/v3/processes/" + second, null, 200).get("status").asText());
        Thread.sleep(100);
        assertEquals("in_process", brevo.json("GET", "/v3/processes/" + first, null, 200).get("status").asText());
        Thread.sleep(300);
        assertEquals("processing", brevo.json("GET", "/v3/processes/" + first, null, 200).get("status").asText());
        JsonNode done = brevo.awaitProcess(second);
        assertEquals("completed", done.get("status").asText());
        assertEquals(Set.of("id", "name", "status", "info"), fieldNames(done), "no error, created_at or completed_at, as Brevo since 2026-04");
        JsonNode page = brevo.json("GET", "/v3/processes?limit=50", null, 200);
        assertEquals(2, page.get("count").asInt());
        assertEquals(second, page.get("processes").get(0).get("id").asLong(), "newest first by default");
        assertEquals(400, brevo.send("GET", "/v3/processes?limit=51", null).statusCode());
        HttpResponse<String> lost = brevo.send("GET", "/v3/processes/999", null);
        assertEquals(404, lost.statusCode());
        assertEquals("document_not_found", SandboxClient.JSON.readTree(lost.body()).get("code").asText());
    }

    @Test
    void a_completed_import_links_to_csv_reports_that_need_no_key_and_expire() throws Exception {
        JsonNode process = importRows("""
                {"email":" Ann@Example.COM ","attributes":{"FIRSTNAME":"Ann","SMS":"+33612345678"}},
                {"email":"not-an-email","attributes":{"FIRSTNAME":"Nobody; really"}},
                {"email":"bob@example.com","attributes":{"SMS":"0033612345678","FIRSTNAME":"Bob"}}""");
        JsonNode reports = process.get("info").get("import");
        assertEquals(ImportProcess.PROBLEMS, List.copyOf(fieldNames(reports).stream().sorted(java.util.Comparator.comparing(ImportProcess.PROBLEMS::indexOf))
                .toList()), "every kind of problem, as the SDK lists them");
        assertTrue(reports.get("duplicate_email_id").isNull(), "null where there is nothing to report");
        HttpResponse<String> invalid = get(reports.get("invalid_emails").asText());
        assertEquals(200, invalid.statusCode());
        assertTrue(invalid.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        assertEquals("EMAIL;FIRSTNAME;ERROR\nnot-an-email;\"Nobody; really\";Invalid email address\n", invalid.body());
        assertEquals("EMAIL;SMS;FIRSTNAME;ERROR\nbob@example.com;0033612345678;Bob;SMS is already associated with another Contact\n",
                get(reports.get("duplicate_phone_id").asText()).body());
        assertEquals(reports, brevo.json("GET", "/v3/processes/" + process.get("id").asLong(), null, 200).get("info").get("import"),
                "the same links each time");

        sandbox.reports().ttl(java.time.Duration.ZERO);
        JsonNode expired = importRows("{\"email\":\"x@@example.com\"},{\"email\":\"ok@example.com\"}");
        assertEquals(404, get(expired.get("info").get("import").get("invalid_emails").asText()).statusCode(), "an expired link");

        sandbox.reports().linksForm(false);
        JsonNode counters = importRows("{\"email\":\"y@@example.com\"},{\"email\":\"ok@example.com\"}");
        assertEquals(1, counters.get("info").get("import").get("invalid_emails").asInt(), "the older form: counters");
        assertEquals(0, counters.get("info").get("import").get("duplicate_phone_id").asInt());
    }

    @Test
    void report_faults_make_a_link_unreachable_expired_or_not_csv() throws Exception {
        sandbox.reports().fault(ImportReports.Fault.UNREACHABLE);
        String unreachable = importRows("{\"email\":\"a@@example.com\"},{\"email\":\"ok@example.com\"}").get("info").get("import").get("invalid_emails").asText();
        assertThrows(java.io.IOException.class, () -> get(unreachable));
        sandbox.reports().fault(ImportReports.Fault.EXPIRED);
        String expired = importRows("{\"email\":\"b@@example.com\"},{\"email\":\"ok@example.com\"}").get("info").get("import").get("invalid_emails").asText();
        assertEquals(404, get(expired).statusCode());
        sandbox.reports().fault(ImportReports.Fault.MALFORMED);
        HttpResponse<String> html = get(importRows("{\"email\":\"c@@example.com\"},{\"email\":\"ok@example.com\"}").get("info").get("import")
                .get("invalid_emails").asText());
        assertEquals(200, html.statusCode());
        assertTrue(html.body().startsWith("<html>"), html.body());
        new SandboxClient(sandbox, null).json("PUT", "/sandbox/reports", "{\"fault\":\"none\",\"form\":\"counters\"}", 200);
        assertEquals(1, importRows("{\"email\":\"d@@example.com\"},{\"email\":\"ok@example.com\"}").get("info").get("import").get("invalid_emails").asInt());
    }

    @Test
    void a_failing_import_ends_with_the_status_asked_for_and_merges_are_modelled_on_request() throws Exception {
        sandbox.faults().failedImportStatus("aborted").failNextImports(1);
        assertEquals("aborted", importRows("{\"email\":\"a@example.com\"}").get("status").asText());

        sandbox.account("test").createContact(SandboxClient.JSON.readTree("{\"email\":\"holder@example.com\",\"attributes\":{\"SMS\":\"+33611111111\"}}"));
        importRows("{\"email\":\"ann@example.com\"}");
        sandbox.faults().mergeIdentifiers(true);
        JsonNode merged = importRows("{\"email\":\"ann@example.com\",\"attributes\":{\"SMS\":\"+33611111111\"}}");
        assertTrue(merged.get("info").get("import").get("duplicate_phone_id").isNull(), "a merge reports nothing");
        assertEquals(404, brevo.send("GET", "/v3/contacts/holder%40example.com", null).statusCode(), "the number's holder was merged away");
        assertEquals("+33611111111", brevo.json("GET", "/v3/contacts/ann%40example.com", null, 200).get("attributes").get("SMS").asText());
    }

    private static HttpResponse<String> get(String link) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(link)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void import_counts_invalid_and_duplicate_emails_and_ignores_unknown_attributes() throws Exception {
        JsonNode process = importRows("""
                {"email":" Ann@Example.COM ","attributes":{"FIRSTNAME":"Ann","AGE":"forty","UNKNOWN":"x","SMS":"+33612345678"}},
                {"email":"ann@example.com","attributes":{"FIRSTNAME":"Second"}},
                {"email":"not-an-email"},
                {"email":"bob@example.com","attributes":{"SMS":"0033612345678","AGE":41}}""");
        JsonNode reports = process.get("info").get("import");
        for (String kind : List.of("invalid_emails", "duplicate_email_id", "duplicate_phone_id")) {
            assertEquals(2, get(reports.get(kind).asText()).body().split("\n").length, kind + ": a header and one line");
        }
        JsonNode ann = brevo.json("GET", "/v3/contacts/ann%40example.com", null, 200);
        assertEquals("Ann", ann.get("attributes").get("FIRSTNAME").asText());
        assertEquals(Set.of("FIRSTNAME", "SMS"), fieldNames(ann.get("attributes")), "unknown attribute and mistyped AGE ignored");
        JsonNode bob = brevo.json("GET", "/v3/contacts/bob%40example.com", null, 200);
        assertEquals(Set.of("AGE"), fieldNames(bob.get("attributes")), "the SMS another contact has is not given to bob");
        assertEquals(listId, ann.get("listIds").get(0).asLong());
    }

    @Test
    void import_keeps_data_unless_empty_attributes_are_asked_to_erase_and_respects_update_flag() throws Exception {
        importRows("{\"email\":\"a@example.com\",\"attributes\":{\"FIRSTNAME\":\"Ann\",\"LASTNAME\":\"Lee\"}}");
        importRows("{\"email\":\"a@example.com\",\"attributes\":{\"FIRSTNAME\":\"\",\"LASTNAME\":\"Low\"}}");
        JsonNode a = brevo.json("GET", "/v3/contacts/a%40example.com", null, 200).get("attributes");
        assertEquals("Ann", a.get("FIRSTNAME").asText());
        assertEquals("Low", a.get("LASTNAME").asText());
        brevo.awaitProcess(brevo.json("POST", "/v3/contacts/import", "{\"listIds\":[" + listId + "],\"emptyContactsAttributes\":true,"
                + "\"jsonBody\":[{\"email\":\"a@example.com\",\"attributes\":{\"FIRSTNAME\":\"\"}}]}", 202).get("processId").asLong());
        assertTrue(brevo.json("GET", "/v3/contacts/a%40example.com", null, 200).get("attributes").path("FIRSTNAME").isMissingNode());
        brevo.awaitProcess(brevo.json("POST", "/v3/contacts/import", "{\"listIds\":[" + listId + "],\"updateExistingContacts\":false,"
                + "\"jsonBody\":[{\"email\":\"a@example.com\",\"attributes\":{\"LASTNAME\":\"Changed\"}}]}", 202).get("processId").asLong());
        assertEquals("Low", brevo.json("GET", "/v3/contacts/a%40example.com", null, 200).get("attributes").get("LASTNAME").asText());
    }

    @Test
    void import_calls_the_notify_url_when_done_and_sets_blocklist_flags() throws Exception {
        java.util.concurrent.BlockingQueue<String> notified = new java.util.concurrent.LinkedBlockingQueue<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 0);
        receiver.createContext("/done", exchange -> {
            notified.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            long id = brevo.json("POST", "/v3/contacts/import", "{\"listIds\":[" + listId + "],\"emailBlacklist\":true,\"notifyUrl\":"
                    + "\"http://localhost:" + receiver.getAddress().getPort() + "/done\",\"jsonBody\":[{\"email\":\"a@example.com\"}]}", 202)
                    .get("processId").asLong();
            String body = notified.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            JsonNode process = SandboxClient.JSON.readTree(String.valueOf(body));
            assertEquals(id, process.get("id").asLong());
            assertEquals("completed", process.get("status").asText());
            assertTrue(brevo.json("GET", "/v3/contacts/a%40example.com", null, 200).get("emailBlacklisted").asBoolean());
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void import_accepts_csv_file_body_and_new_list() throws Exception {
        JsonNode accepted = brevo.json("POST", "/v3/contacts/import",
                "{\"fileBody\":\"EMAIL;FIRSTNAME\\nc@example.com;Cy\\nd@example.com;Di\",\"newList\":{\"listName\":\"From CSV\",\"folderId\":1}}", 202);
        brevo.awaitProcess(accepted.get("processId").asLong());
        JsonNode lists = brevo.json("GET", "/v3/contacts/lists?sort=asc", null, 200);
        assertEquals(2, lists.get("count").asInt());
        long newList = lists.get("lists").get(1).get("id").asLong();
        assertEquals(2, brevo.json("GET", "/v3/contacts/lists/" + newList + "/contacts", null, 200).get("count").asInt());
        assertEquals("Cy", brevo.json("GET", "/v3/contacts/c%40example.com", null, 200).get("attributes").get("FIRSTNAME").asText());
    }

    @Test
    void import_without_any_valid_identifier_or_list_or_over_10_mb_is_400() throws Exception {
        HttpResponse<String> noIdentifier = brevo.send("POST", "/v3/contacts/import", importBody("{\"email\":\"nope\"}"));
        assertEquals(400, noIdentifier.statusCode());
        assertEquals("invalid_parameter", SandboxClient.JSON.readTree(noIdentifier.body()).get("code").asText());
        assertEquals(400, brevo.send("POST", "/v3/contacts/import", "{\"jsonBody\":[{\"email\":\"a@example.com\"}]}").statusCode());
        assertEquals(404, brevo.send("POST", "/v3/contacts/import", "{\"listIds\":[99],\"jsonBody\":[{\"email\":\"a@example.com\"}]}").statusCode());
        assertEquals(400, brevo.send("POST", "/v3/contacts/import", "{not json").statusCode());

        String value = "x".repeat(1000);
        StringBuilder rows = new StringBuilder();
        for (int i = 0; rows.length() < BrevoSandbox.MAX_BODY_BYTES; i++) {
            rows.append(i == 0 ? "" : ",").append("{\"email\":\"u").append(i).append("@example.com\",\"attributes\":{\"LASTNAME\":\"").append(value).append("\"}}");
        }
        HttpResponse<String> tooLarge = brevo.send("POST", "/v3/contacts/import", importBody(rows.toString()));
        assertEquals(400, tooLarge.statusCode());
        assertTrue(tooLarge.body().contains("10MB"), tooLarge.body());
        assertEquals(0, sandbox.account("test").contactCount());
    }

    @Test
    void list_add_and_remove_take_1_to_150_identifiers_never_create_contacts_and_have_brevos_quirk() throws Exception {
        importRows("{\"email\":\"a@example.com\"},{\"email\":\"b@example.com\"}");
        long other = sandbox.account("test").createList("Other", 1);
        JsonNode added = brevo.json("POST", "/v3/contacts/lists/" + other + "/contacts/add", "{\"emails\":[\"a@example.com\",\"ghost@example.com\"]}", 201);
        assertEquals("a@example.com", added.get("contacts").get("success").get(0).asText());
        assertEquals("ghost@example.com", added.get("contacts").get("failure").get(0).asText());
        assertEquals(2, sandbox.account("test").contactCount(), "add never creates a contact");

        HttpResponse<String> again = brevo.send("POST", "/v3/contacts/lists/" + other + "/contacts/add", "{\"emails\":[\"a@example.com\"]}");
        assertEquals(400, again.statusCode());
        assertEquals("Contact already in list and/or does not exist", SandboxClient.JSON.readTree(again.body()).get("message").asText());

        List<String> many = new ArrayList<>();
        for (int i = 0; i < 151; i++) {
            many.add("\"u" + i + "@example.com\"");
        }
        assertEquals(400, brevo.send("POST", "/v3/contacts/lists/" + other + "/contacts/add", "{\"emails\":[" + String.join(",", many) + "]}").statusCode());
        assertEquals(400, brevo.send("POST", "/v3/contacts/lists/" + other + "/contacts/add", "{\"emails\":[]}").statusCode());
        assertEquals(404, brevo.send("POST", "/v3/contacts/lists/999/contacts/add", "{\"emails\":[\"a@example.com\"]}").statusCode());

        long bId = brevo.json("GET", "/v3/contacts/b%40example.com", null, 200).get("id").asLong();
        brevo.json("POST", "/v3/contacts/lists/" + listId + "/contacts/remove", "{\"ids\":[" + bId + "]}", 201);
        assertEquals(1, brevo.json("GET", "/v3/contacts/lists/" + listId + "/contacts", null, 200).get("count").asInt());
        assertEquals(2, sandbox.account("test").contactCount(), "remove never deletes a contact");
        JsonNode all = brevo.json("POST", "/v3/contacts/lists/" + listId + "/contacts/remove", "{\"all\":true}", 201);
        assertEquals(1, all.get("contacts").get("total").asInt());
        assertEquals(0, brevo.json("GET", "/v3/contacts/lists/" + listId, null, 200).get("uniqueSubscribers").asInt());
    }

    @Test
    void list_contacts_are_paged_up_to_500() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            rows.append(i == 0 ? "" : ",").append("{\"email\":\"p").append(i).append("@example.com\"}");
        }
        importRows(rows.toString());
        JsonNode page = brevo.json("GET", "/v3/contacts/lists/" + listId + "/contacts?limit=3&offset=6&sort=asc", null, 200);
        assertEquals(7, page.get("count").asInt());
        assertEquals(1, page.get("contacts").size());
        assertEquals("p6@example.com", page.get("contacts").get(0).get("email").asText());
        assertEquals(400, brevo.send("GET", "/v3/contacts/lists/" + listId + "/contacts?limit=501", null).statusCode());
        assertEquals(404, brevo.send("GET", "/v3/contacts/lists/999/contacts", null).statusCode());
    }

    @Test
    void create_contact_keeps_email_and_sms_unique_and_needs_a_country_code() throws Exception {
        assertTrue(brevo.json("POST", "/v3/contacts", "{\"email\":\"a@example.com\",\"attributes\":{\"SMS\":\"+33612345678\"}}", 201).get("id").asLong() > 0);
        JsonNode duplicate = brevo.json("POST", "/v3/contacts", "{\"email\":\"A@example.com\"}", 400);
        assertEquals("duplicate_parameter", duplicate.get("code").asText());
        assertEquals("email", duplicate.get("metadata").get("duplicate_identifiers").get(0).asText());
        JsonNode smsTaken = brevo.json("POST", "/v3/contacts", "{\"email\":\"b@example.com\",\"attributes\":{\"SMS\":\"0033612345678\"}}", 400);
        assertEquals("SMS", smsTaken.get("metadata").get("duplicate_identifiers").get(0).asText());
        assertEquals("invalid_parameter", brevo.json("POST", "/v3/contacts", "{\"email\":\"c@example.com\",\"attributes\":{\"SMS\":\"0612345678\"}}", 400)
                .get("code").asText());
        assertEquals(null, brevo.json("POST", "/v3/contacts", "{\"email\":\"a@example.com\",\"updateEnabled\":true,\"attributes\":{\"FIRSTNAME\":\"Al\"}}", 204));
        assertEquals("Al", brevo.json("GET", "/v3/contacts/a%40example.com", null, 200).get("attributes").get("FIRSTNAME").asText());
        long id = brevo.json("GET", "/v3/contacts/a%40example.com", null, 200).get("id").asLong();
        assertEquals("a@example.com", brevo.json("GET", "/v3/contacts/" + id, null, 200).get("email").asText());
        assertTrue(fieldNames(brevo.json("GET", "/v3/contacts/attributes", null, 200).get("attributes").get(0)).containsAll(Set.of("name", "category")));
    }

    @Test
    void general_plan_rate_limits_answer_429_and_every_response_carries_the_headers() throws Exception {
        sandbox.addAccount("general", "key-general", RateLimits.general());
        SandboxClient general = new SandboxClient(sandbox, "key-general");
        int limited = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 25; i++) {
            HttpResponse<String> response = general.send("GET", "/v3/contacts/lists", null);
            assertTrue(response.headers().firstValue("x-sib-ratelimit-limit").isPresent(), "limit header on " + response.statusCode());
            assertTrue(response.headers().firstValue("x-sib-ratelimit-remaining").isPresent());
            assertTrue(response.headers().firstValue("x-sib-ratelimit-reset").isPresent());
            if (response.statusCode() == 429) {
                limited++;
                assertEquals("0", response.headers().firstValue("x-sib-ratelimit-remaining").orElseThrow());
            }
        }
        // the one-second window opened with the first call: if all 25 came within it, exactly 10 passed
        if ((System.nanoTime() - start) < 1_000_000_000L) {
            assertEquals(15, limited, "10 requests per second on /v3/contacts");
        }
        int otherLimited = 0;
        for (int i = 0; i < 101; i++) {
            otherLimited += general.send("GET", "/v3/processes", null).statusCode() == 429 ? 1 : 0;
        }
        assertEquals(1, otherLimited, "100 requests per hour on other endpoints");
    }

    @Test
    void fault_switches_fail_drop_slow_down_and_reject() throws Exception {
        sandbox.faults().failNext(503, 1).failNext(500, 1);
        assertEquals(500, brevo.send("GET", "/v3/contacts/lists", null).statusCode());
        assertEquals(503, brevo.send("GET", "/v3/contacts/lists", null).statusCode());
        assertEquals(200, brevo.send("GET", "/v3/contacts/lists", null).statusCode());

        // a POST, because HTTP clients silently retry an idempotent GET once on a dropped connection
        sandbox.faults().dropNext(1);
        assertThrows(java.io.IOException.class, () -> brevo.send("POST", "/v3/contacts/lists", "{\"name\":\"x\",\"folderId\":1}"));

        sandbox.faults().failNextImports(1);
        long id = brevo.json("POST", "/v3/contacts/import", importBody("{\"email\":\"a@example.com\"}"), 202).get("processId").asLong();
        JsonNode failed = brevo.awaitProcess(id);
        assertEquals("failed", failed.get("status").asText());
        assertEquals(Set.of("id", "name", "status"), fieldNames(failed), "no error text, as Brevo");
        assertEquals(0, sandbox.account("test").contactCount());

        sandbox.faults().rejectEmail("bad@example.com");
        JsonNode process = importRows("{\"email\":\"bad@example.com\"},{\"email\":\"good@example.com\"}");
        assertTrue(get(process.get("info").get("import").get("invalid_emails").asText()).body().contains("bad@example.com;Invalid email address"));

        SandboxClient admin = new SandboxClient(sandbox, null);
        admin.json("PUT", "/sandbox/faults", "{\"latencyMs\":300,\"rate429\":1.0}", 200);
        long start = System.nanoTime();
        assertEquals(429, brevo.send("GET", "/v3/contacts/lists", null).statusCode());
        assertTrue(System.nanoTime() - start >= 300_000_000L, "latency added");
        admin.json("DELETE", "/sandbox/faults", null, 200);
        assertEquals(200, brevo.send("GET", "/v3/contacts/lists", null).statusCode());
        assertEquals(400, admin.send("PUT", "/sandbox/faults", "{\"rate500\":2}").statusCode());
    }

    @Test
    void the_admin_endpoints_refuse_what_a_page_of_another_site_could_send() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String faults = "http://localhost:" + sandbox.port() + "/sandbox/faults";
        var textPlain = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(faults)).header("Content-Type", "text/plain")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"rate500\":1}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, textPlain.statusCode(), textPlain.body());
        var otherSite = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(faults)).header("Content-Type", "application/json")
                .header("Origin", "https://evil.example").PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"rate500\":1}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, otherSite.statusCode(), otherSite.body());
        assertEquals(200, brevo.send("GET", "/v3/contacts/lists", null).statusCode(), "no fault was switched on");
    }

    @Test
    void inspection_shows_members_request_log_and_counters() throws Exception {
        importRows("{\"email\":\"a@example.com\",\"attributes\":{\"FIRSTNAME\":\"Ann\"}}");
        SandboxClient admin = new SandboxClient(sandbox, null);
        JsonNode members = admin.json("GET", "/sandbox/accounts/test/lists/" + listId + "/members", null, 200).get("members");
        assertEquals("Ann", members.get(0).get("attributes").get("FIRSTNAME").asText());
        JsonNode log = admin.json("GET", "/sandbox/requests", null, 200);
        assertEquals("POST /v3/contacts/import", log.get("requests").get(0).get("endpoint").asText());
        assertTrue(log.get("requests").get(0).get("requestBytes").asLong() > 0);
        assertEquals(1, sandbox.requests().count("test", "POST /v3/contacts/import", 202));
        assertTrue(log.get("counters").has("test requests"));
        assertTrue(!admin.json("GET", "/sandbox", null, 200).toString().contains("key-test"), "the admin view never shows keys");
    }

    // ---- helpers ----

    private String importBody(String rows) {
        return "{\"listIds\":[" + listId + "],\"jsonBody\":[" + rows + "]}";
    }

    private JsonNode importRows(String rows) throws Exception {
        return brevo.awaitProcess(brevo.json("POST", "/v3/contacts/import", importBody(rows), 202).get("processId").asLong());
    }

    private void importOne(String row) throws Exception {
        importRows(row);
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
