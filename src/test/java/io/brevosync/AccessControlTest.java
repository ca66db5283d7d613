package io.brevosync;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may do what, over HTTP on the real server: users and roles, the connection's rules, consent and switch, tokens
 * made, rotated and revoked, the audit log, and the gate in front of the API (no token, a token in the query string,
 * oversized bodies, control characters, a flood of unauthenticated uploads).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessControlTest extends ServerTest {

    private static final String UNAUTHORIZED = "{\"status\":401,\"error\":\"unauthorized: send the header Authorization: Bearer <token>\"}";
    private final Map<String, String> tokens = new java.util.HashMap<>(Map.of("admin", TestServer.TOKEN));

    @Override
    protected TestServer startServer() throws Exception {
        // small batches, so that a run lasts several of them
        return TestServer.start(Map.of("access.record-consent-as", "", "exports.batch-max-rows", "300"));
    }

    /** A profile in the newsletter export's segments. */
    private String member() throws Exception {
        return server.strings("select m.profile_id from segment_member m join segment s on s.id = m.segment_id where s.name = 'newsletter' "
                + "order by 1 limit 1").get(0);
    }

    private HttpAnswer as(String user, String method, String path, String body) throws Exception {
        path = path.replace("MEMBER", member());
        var response = server.call(method, path, user == null ? null : tokens.getOrDefault(user, user), body);
        return new HttpAnswer(response.statusCode(), response.body());
    }

    record HttpAnswer(int status, String body) {
        JsonNode json() throws Exception {
            return TestServer.JSON.readTree(body);
        }
    }

    @Test
    @Order(1)
    void an_admin_makes_users_whose_token_is_shown_once_and_stored_as_a_hash() throws Exception {
        for (String[] user : new String[][] {{"olga", "operator"}, {"vera", "viewer"}, {"adam", "admin"}}) {
            HttpAnswer made = as("admin", "POST", "/api/users", "{\"name\": \"" + user[0] + "\", \"role\": \"" + user[1] + "\"}");
            assertEquals(201, made.status(), made.body());
            assertEquals(user[1], made.json().get("role").asText());
            tokens.put(user[0], made.json().get("token").asText());
        }
        assertEquals(409, as("admin", "POST", "/api/users", "{\"name\": \"vera\", \"role\": \"admin\"}").status());
        assertEquals(400, as("admin", "POST", "/api/users", "{\"name\": \"eve\", \"role\": \"root\"}").status());
        HttpAnswer list = as("admin", "GET", "/api/users", null);
        assertEquals(3, list.json().size(), list.body());
        for (String token : tokens.values()) {
            assertFalse(list.body().contains(token), "a token in GET /api/users");
        }
        assertEquals(List.of("0"), server.strings("select count(*) from api_token where hash like 'bss_%' or length(hash) <> 64"), "only hashes stored");
    }

    @Test
    @Order(2)
    void no_connection_consent_no_run_and_an_admin_records_it() throws Exception {
        HttpAnswer refused = as("admin", "POST", "/api/exports/newsletter/runs", null);
        assertEquals(409, refused.status(), refused.body());
        assertTrue(refused.body().contains("connection 'default' has no recorded data-privacy consent"), refused.body());
        // what an admin agrees to: the statement shipped with the product, in its version; a viewer may read it too
        JsonNode statement = as("vera", "GET", "/api/connections/default/consent", null).json();
        assertEquals("2026-12", statement.get("version").asText(), statement.toString());
        assertTrue(statement.get("statement").asText().startsWith("# Data-privacy statement for a Brevo connection\nVersion: 2026-12"));
        assertTrue(statement.get("consent").isNull() && !statement.get("agreed").asBoolean(), statement.toString());
        assertEquals(404, as("vera", "GET", "/api/connections/nope/consent", null).status());
        assertEquals(401, as(null, "GET", "/api/connections/default/consent", null).status());
        assertEquals(400, as("adam", "POST", "/api/connections/default/consent", "{\"agree\": false}").status());
        assertEquals(400, as("adam", "POST", "/api/connections/default/consent", "{\"agree\": true, \"version\": \"2020-01\"}").status());
        assertEquals(403, as("olga", "POST", "/api/connections/default/consent", "{\"agree\": true}").status());
        HttpAnswer consent = as("adam", "POST", "/api/connections/default/consent", "{\"agree\": true}");
        assertEquals(200, consent.status(), consent.body());
        JsonNode connection = as("vera", "GET", "/api/connections", null).json().get(0);
        assertEquals("adam", connection.get("consentBy").asText());
        assertEquals("2026-12", connection.get("consentVersion").asText());
        assertTrue(connection.get("runnable").asBoolean());
        assertEquals(List.of("admin"), List.of(connection.get("roles").get(0).asText()), "admins only by default");
        JsonNode agreed = as("vera", "GET", "/api/connections/default/consent", null).json();
        assertEquals("adam", agreed.get("consent").get("by").asText(), agreed.toString());
        assertEquals("2026-12", agreed.get("consent").get("version").asText());
        assertTrue(agreed.get("agreed").asBoolean());
    }

    /** Each role against each kind of endpoint, with the connection's default rules (admins only). */
    @ParameterizedTest(name = "{0} {1} as {2} -> {3}")
    @Order(3)
    @CsvSource(delimiter = '|', value = {
        "GET  | /api/exports                                | vera  | 200",
        "GET  | /api/exports/newsletter/runs                | vera  | 200",
        "GET  | /api/connections                            | vera  | 200",
        "GET  | /api/exports/newsletter/profiles/MEMBER          | vera  | 403",
        "GET  | /api/exports/newsletter/profiles/MEMBER          | olga  | 403",
        "GET  | /api/exports/newsletter/profiles/MEMBER          | adam  | 200",
        "POST | /api/exports/newsletter/dry-run             | vera  | 403",
        "POST | /api/exports/newsletter/dry-run             | olga  | 403",
        "POST | /api/exports/newsletter/dry-run             | adam  | 200",
        "POST | /api/exports/reload                         | olga  | 403",
        "POST | /api/exports/reload                         | adam  | 200",
        "GET  | /api/users                                  | olga  | 403",
        "GET  | /api/audit                                  | vera  | 403",
        "GET  | /api/audit                                  | adam  | 200",
        "PUT  | /api/connections/default                    | olga  | 403",
        "POST | /api/users/vera/tokens                      | vera  | 403",
    })
    void each_role_reaches_what_its_rules_allow(String method, String path, String user, int expected) throws Exception {
        HttpAnswer answer = as(user, method, path, method.equals("GET") ? null : "{}");
        assertEquals(expected, answer.status(), answer.body());
        if (expected == 403) {
            assertTrue(answer.body().contains("needs the role") || answer.body().contains("connection 'default'"), "the rule is named: " + answer.body());
        }
    }

    @Test
    @Order(4)
    void an_operator_runs_what_the_connection_allows_and_the_run_and_the_audit_say_who() throws Exception {
        HttpAnswer before = as("olga", "POST", "/api/exports/newsletter/runs", null);
        assertEquals(403, before.status(), before.body());
        assertTrue(before.body().contains("connection 'default' may be used by the roles [admin]"), before.body());
        HttpAnswer allowed = as("adam", "PUT", "/api/connections/default", "{\"users\": [\"olga\"], \"displayName\": \"Brevo EU\"}");
        assertEquals(200, allowed.status(), allowed.body());

        HttpAnswer run = as("olga", "POST", "/api/exports/newsletter/runs?wait=true", null);
        assertEquals(200, run.status(), run.body());
        assertEquals("olga", run.json().get("startedBy").asText());
        // operators who may use the connection see its personal data; viewers only where the connection says so
        assertEquals(200, as("olga", "GET", "/api/exports/newsletter/profiles/" + member(), null).status());
        assertEquals(403, as("vera", "GET", "/api/exports/newsletter/runs/" + run.json().get("id").asLong() + "/rows", null).status());
        assertEquals(200, as("adam", "PUT", "/api/connections/default", "{\"viewersSeePersonalData\": true}").status());
        assertEquals(200, as("vera", "GET", "/api/exports/newsletter/runs/" + run.json().get("id").asLong() + "/rows", null).status());

        TestServer.await("the audit entries", Duration.ofSeconds(10), () -> {
            try {
                return as("admin", "GET", "/api/audit?actor=olga", null).json().size() >= 2;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode audit = as("admin", "GET", "/api/audit?actor=olga&limit=10", null).json();
        assertEquals("POST /api/exports/newsletter/runs", audit.get(0).get("action").asText(), audit.toString());
        assertEquals(200, audit.get(0).get("status").asInt());
        assertEquals(403, audit.get(1).get("status").asInt(), "refused calls are audited too: " + audit);
        assertEquals("exports/newsletter", audit.get(0).get("target").asText());
        JsonNode reloads = as("admin", "GET", "/api/audit?action=reload", null).json();
        assertEquals("watch", reloads.get(reloads.size() - 1).get("actor").asText(), "the start-up reload: " + reloads);
        assertTrue(reloads.get(reloads.size() - 1).get("detail").asText().contains("loaded [newsletter]"), reloads.toString());
        JsonNode consent = as("admin", "GET", "/api/audit?action=POST%20/api/connections", null).json();
        assertEquals("adam", consent.get(0).get("actor").asText(), consent.toString());
        try {
            server.sql("delete from audit_log");
            throw new AssertionError("the audit log let a row be deleted");
        } catch (java.sql.SQLException e) {
            assertTrue(e.getMessage().contains("append-only"), e.getMessage());
        }
    }

    @Test
    @Order(5)
    void a_disabled_connection_stops_its_run_after_the_batch_in_flight_and_runs_nothing() throws Exception {
        server.sandbox().faults().latencyMs(300);
        HttpAnswer started = as("olga", "POST", "/api/exports/newsletter/runs?fullResync=true", null);
        assertEquals(202, started.status(), started.body());
        long runId = started.json().get("runId").asLong();
        TestServer.await("a first batch sent", Duration.ofSeconds(30), () -> {
            try {
                return !server.strings("select run_id from export_batch where run_id = " + runId).isEmpty();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(200, as("adam", "PUT", "/api/connections/default", "{\"enabled\": false}").status());
        JsonNode run = server.awaitRun("newsletter", runId);
        assertEquals("canceled", run.get("status").asText(), run.toString());
        assertTrue(run.get("message").asText().startsWith("run canceled (connection 'default' disabled by adam) after "), run.toString());
        assertTrue(run.get("rowsSent").asLong() < run.get("rowsRead").asLong() || run.get("batches").asLong() < 10, run.toString());

        HttpAnswer refused = as("olga", "POST", "/api/exports/newsletter/runs", null);
        assertEquals(409, refused.status(), refused.body());
        assertTrue(refused.body().contains("connection 'default' is disabled"), refused.body());
        assertEquals(200, as("adam", "PUT", "/api/connections/default", "{\"enabled\": true}").status());
    }

    @Test
    @Order(6)
    void tokens_are_rotated_and_revoked() throws Exception {
        String old = tokens.get("vera");
        HttpAnswer fresh = as("admin", "POST", "/api/users/vera/tokens", null);
        assertEquals(201, fresh.status(), fresh.body());
        String rotated = fresh.json().get("token").asText();
        assertEquals(200, as(old, "GET", "/api/exports", null).status());
        assertEquals(200, as(rotated, "GET", "/api/exports", null).status());
        long oldId = as("admin", "GET", "/api/users", null).json().findValues("tokens").stream()
                .filter(t -> t.size() == 2).findFirst().orElseThrow().get(0).get("id").asLong();
        assertEquals(200, as("admin", "DELETE", "/api/users/vera/tokens/" + oldId, null).status());
        assertEquals(401, as(old, "GET", "/api/exports", null).status(), "a revoked token");
        assertEquals(200, as(rotated, "GET", "/api/exports", null).status());
        assertEquals(404, as("admin", "DELETE", "/api/users/vera/tokens/" + oldId, null).status());
    }

    @Test
    @Order(7)
    void the_token_counts_only_in_the_authorization_header() throws Exception {
        for (String[] call : new String[][] {{"GET", "/api/exports"}, {"POST", "/api/exports/newsletter/runs"}, {"GET", "/api/users"}}) {
            for (String token : new String[] {null, "wrong-token", TestServer.TOKEN + "x"}) {
                HttpAnswer answer = as(token, call[0], call[1], null);
                assertEquals(401, answer.status(), call[0] + " " + call[1] + " with token " + token);
                assertEquals(UNAUTHORIZED, answer.body(), "no detail leaked");
            }
            HttpAnswer query = as(null, call[0], call[1] + "?Authorization=Bearer%20" + TestServer.TOKEN, null);
            assertEquals(401, query.status(), "a token in the query string");
        }
        // other spellings of the same path meet the gate, or the route's own check (GHSA-27vm-5vpj-rp5g's kind of bypass)
        for (String path : new String[] {"//api/exports", "/%61pi/exports", "/api/./exports", "/x/../api/exports", "/api/exports/"}) {
            HttpAnswer spelled = as(null, "GET", path, null);
            assertTrue(spelled.status() == 401 || spelled.status() == 404, path + " answered " + spelled.status() + ": " + spelled.body());
        }
        var form = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + server.port() + "/api/exports/reload")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("Authorization=Bearer+" + TestServer.TOKEN)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(401, form.statusCode(), "a token as a form field");
    }

    @Test
    @Order(8)
    void an_answer_carries_the_headers_its_route_set_and_never_the_requests_own() throws Exception {
        String lastRun = server.strings("select export_id || '/runs/' || id from export_run order by id desc limit 1").get(0);
        Map<String, String> kept = Map.of("/status?probe=1", "cache-control", "/api/exports/" + lastRun + "/rows.csv?probe=1", "content-disposition",
                "/api/exports?probe=1", "content-type");
        for (Map.Entry<String, String> call : kept.entrySet()) {
            // the status page is answered without a token: an echo would double what an unauthenticated request costs
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + server.port() + call.getKey()))
                    .header("X-Probe", "x".repeat(4000));
            if (call.getKey().startsWith("/api")) {
                request.header("Authorization", "Bearer " + TestServer.TOKEN);
            }
            var answer = java.net.http.HttpClient.newHttpClient().send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), call.getKey());
            var headers = answer.headers().map().keySet().stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList();
            assertFalse(headers.contains("x-probe") || headers.contains("probe") || headers.contains("authorization"), call.getKey() + ": " + headers);
            assertTrue(headers.contains(call.getValue()), call.getKey() + " keeps " + call.getValue() + ": " + headers);
        }
    }

    @Test
    @Order(9)
    void bad_requests_are_refused_before_anything_runs() throws Exception {
        long runs = Long.parseLong(server.strings("select count(*) from export_run").get(0));
        assertEquals(404, as("admin", "POST", "/api/exports/newsletter/profiles/doesnotexist/send", null).status());
        assertEquals(400, as("admin", "GET", "/api/exports/newsletter/profiles/a%00b", null).status());
        assertEquals(400, as("admin", "GET", "/api/exports/news%0Aletter/runs", null).status());
        assertEquals(413, as("admin", "POST", "/api/users", "{\"name\": \"" + "x".repeat(20_000) + "\"}").status());
        assertEquals(413, as("admin", "DELETE", "/api/users/vera/tokens/1", "{}").status(), "a DELETE with a body");
        assertEquals(String.valueOf(runs), server.strings("select count(*) from export_run").get(0), "no run started");
    }

    /** 1,000 unauthenticated uploads open at once, each announcing 10 MB: each is refused after its headers, the heap stays flat. */
    @Test
    @Order(10)
    void a_flood_of_unauthenticated_uploads_costs_nothing() throws Exception {
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        long heapBefore = runtime.totalMemory() - runtime.freeMemory();
        byte[] head = ("POST /api/exports/newsletter/runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 10485760\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[64 * 1024];
        List<Socket> uploads = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Socket socket = new Socket("localhost", server.port());
                socket.setSoTimeout(10_000);
                uploads.add(socket);
                OutputStream out = socket.getOutputStream();
                try {
                    out.write(head);
                    out.write(chunk);
                } catch (java.io.IOException closed) {
                    // the server may close before the chunk is written: that is the point
                }
            }
            // all 1,000 are open; meanwhile the API answers its users
            assertEquals(200, as("admin", "GET", "/api/exports", null).status(), "the API answers during the flood");
            // each one is answered (413: too large, before its token is even looked at) and closed without its body being read; the close may reset the connection, which
            // drops the answer on the client's side. An upload the server waited for would time out here instead.
            int refused = 0;
            for (Socket socket : uploads) {
                InputStream in = socket.getInputStream();
                try {
                    String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                    refused += answer.isEmpty() || answer.equals("HTTP/1.1 413") || answer.equals("HTTP/1.1 401") ? 1 : 0;
                } catch (java.net.SocketTimeoutException waited) {
                    throw new AssertionError("the server waited for the body of an unauthenticated upload", waited);
                } catch (java.net.SocketException reset) {
                    refused++;
                }
            }
            assertEquals(1000, refused, "every upload refused");
        } finally {
            for (Socket socket : uploads) {
                socket.close();
            }
        }
        System.gc();
        long grown = runtime.totalMemory() - runtime.freeMemory() - heapBefore;
        assertTrue(grown < 64L * 1024 * 1024, "the heap grew by " + grown / 1024 / 1024 + " MB");
    }
}
