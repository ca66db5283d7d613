package io.brevosync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.db.Database;
import io.brevosync.demo.DemoData;
import io.brevosync.demo.EmbeddedDatabase;
import io.brevosync.sandbox.BrevoSandbox;
import io.brevosync.sandbox.RateLimits;
import io.brevosync.sandbox.SandboxAccount;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The route server jar killed with SIGKILL in the middle of a run (a real separate JVM), then started again: the list ends
 * up equal to the segments, and no contact is written twice beyond the batch that was in flight.
 */
class CrashRecoveryIT {

    private static final int BATCH = 200;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void a_killed_server_loses_nothing_and_resends_at_most_the_batch_in_flight() throws Exception {
        Path dir = Files.createTempDirectory("crash-recovery");
        String key = "crash-test-key";
        Path keyFile = Files.writeString(dir.resolve("api-key"), key);
        AtomicInteger imported = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        try (EmbeddedDatabase postgres = EmbeddedDatabase.start(dir.resolve("postgres")); Database database = postgres.connect(2, 0);
                BrevoSandbox sandbox = new BrevoSandbox("localhost", 0)) {
            DemoData.install(database, 3000);
            SandboxAccount account = sandbox.addAccount("default", key, RateLimits.unlimited());
            account.createList("Newsletter", 1);
            // the attributes the demo's export maps that a new Brevo account lacks (the reload checks them)
            for (String attribute : List.of("COUNTRY:text", "CITY:text", "BIRTHDATE:date")) {
                account.defineAttribute(attribute.split(":")[0], attribute.split(":")[1]);
            }
            sandbox.start();
            // every call takes 150 ms, so the run is mid-way when it is killed
            sandbox.faults().latencyMs(150);
            sandbox.inspector((method, path, query, headers, body, status, answer) -> {
                if (path.equals("/v3/contacts/import") && status == 202) {
                    accepted.incrementAndGet();
                    imported.addAndGet(TestServer.json(body).get("jsonBody").size());
                }
            });

            int port = TestServer.freePort();
            Path exports = Files.createDirectories(dir.resolve("exports"));
            Files.copy(Path.of("routes/exports/newsletter.camel.yaml"), exports.resolve("newsletter.camel.yaml"));
            Map<String, String> env = Map.of("DB_URL", postgres.url(), "DB_USER", EmbeddedDatabase.USER, "DB_PASSWORD", EmbeddedDatabase.PASSWORD,
                    "BREVO_BASE_URL", sandbox.baseUrl(), "API_TOKEN", TestServer.TOKEN, "SERVER_PORT", String.valueOf(port), "EXPORTS_DIR", exports.toString());
            List<String> options = List.of("-Daccess.record-consent-as=test", "-Dbrevo.connection.default.api-key-file=" + keyFile, "-Dexports.batch-max-rows=" + BATCH,
                    "-Dbrevo.process-poll-first=100", "-Dbrevo.process-poll-max=500");
            Map<String, String> runAtStartup = new java.util.HashMap<>(env);
            runAtStartup.put("RUN_AT_STARTUP", "newsletter");
            try (ServerProcess first = ServerProcess.start(ServerProcess.SERVER_JAR, runAtStartup, options, List.of(), dir.resolve("first.log"))) {
                TestServer.await("3 batches accepted (server log: " + dir.resolve("first.log") + ")", Duration.ofSeconds(90), () -> accepted.get() >= 3);
                first.kill();
            }
            int beforeKill = imported.get();

            try (ServerProcess second = ServerProcess.start(ServerProcess.SERVER_JAR, env, options, List.of(), dir.resolve("second.log"))) {
                second.awaitUp("http://localhost:" + port + "/observe/health");
                second.awaitLog("Export newsletter in force", Duration.ofSeconds(30));
                HttpResponse<String> run = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/exports/newsletter/runs?wait=true"))
                        .header("Authorization", "Bearer " + TestServer.TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, run.statusCode(), run.body());
                JsonNode summary = TestServer.JSON.readTree(run.body());
                assertEquals("succeeded_with_rejections", summary.get("status").asText(), run.body());

                Set<String> expected = new TreeSet<>();
                TestServer.segmentResult(database.dataSource(), "newsletter", "vip").forEach(m -> expected.add(m.substring(0, m.indexOf('|'))));
                Set<String> members = new TreeSet<>();
                account.members(1).forEach(m -> members.add((String) m.get("email")));
                assertEquals(expected, members, "the list equals the segments");
                assertTrue(beforeKill > 0 && beforeKill < expected.size(), beforeKill + " of " + expected.size() + " sent before the kill");
                assertTrue(imported.get() - expected.size() <= BATCH, (imported.get() - expected.size())
                        + " contacts written twice: at most the batch in flight may be");
                assertEquals(List.of("interrupted"), TestServer.strings(database.dataSource(),
                        "select status from export_run where id < " + summary.get("id").asLong()), "the killed run is closed as interrupted");
            }
        }
    }
}
