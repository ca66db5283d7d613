package io.brevosync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.brevosync.db.Database;
import io.brevosync.db.DemoData;
import io.brevosync.sandbox.BrevoSandbox;
import io.brevosync.sandbox.RateLimits;
import io.brevosync.sandbox.SandboxAccount;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The route server killed with SIGKILL in the middle of a run (a real separate JVM), then started again: the list ends
 * up equal to the segments, and no contact is written twice beyond the batch that was in flight.
 */
class CrashRecoveryTest {

    private static final int BATCH = 200;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void a_killed_server_loses_nothing_and_resends_at_most_the_batch_in_flight() throws Exception {
        Path dir = Files.createTempDirectory("crash-recovery");
        String key = "crash-test-key";
        Path keyFile = Files.writeString(dir.resolve("api-key"), key);
        AtomicInteger imported = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        try (Database database = new Database("", "", "", dir.resolve("postgres").toString(), 2, 100);
                BrevoSandbox sandbox = new BrevoSandbox("localhost", 0)) {
            database.migrate();
            DemoData.loadIfEmpty(database.dataSource(), 3000);
            SandboxAccount account = sandbox.addAccount("default", key, RateLimits.unlimited());
            account.createList("Newsletter", 1);
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
            List<String> command = command(database, sandbox, keyFile, port);
            Process first = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile()).start();
            try {
                TestServer.await("3 batches accepted (server log: " + dir.resolve("first.log") + ")", Duration.ofSeconds(90), () -> accepted.get() >= 3);
            } finally {
                // SIGKILL: no shutdown hook, no graceful stop
                first.destroyForcibly();
                first.waitFor();
            }
            int beforeKill = imported.get();

            command.set(command.indexOf("-Dexports.run-at-startup=newsletter"), "-Dexports.run-at-startup=");
            Process second = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("second.log").toFile()).start();
            try {
                awaitUp(port);
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
            } finally {
                second.destroyForcibly();
                second.waitFor();
            }
        }
    }

    /** The server as users start it, in its own JVM: properties given as JVM system properties. */
    private static List<String> command(Database database, BrevoSandbox sandbox, Path keyFile, int port) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path")));
        Map.ofEntries(Map.entry("db.url", ((HikariDataSource) database.dataSource()).getJdbcUrl()), Map.entry("db.user", "postgres"),
                Map.entry("db.password", "postgres"), Map.entry("sandbox.enabled", "false"), Map.entry("demo.profiles", "0"),
                Map.entry("brevo.connection.default.base-url", sandbox.baseUrl()), Map.entry("brevo.connection.default.api-key-file", keyFile.toString()),
                Map.entry("api.token", TestServer.TOKEN), Map.entry("camel.server.port", String.valueOf(port)),
                Map.entry("camel.management.port", String.valueOf(port)), Map.entry("exports.batch-max-rows", String.valueOf(BATCH)),
                Map.entry("brevo.process-poll-first", "100"), Map.entry("brevo.process-poll-max", "500"),
                // the route files themselves: surefire's classpath jar would make the classpath pattern find them twice
                Map.entry("camel.main.routes-include-pattern", "file:" + Path.of("routes").toAbsolutePath() + "/*.camel.yaml"))
                .forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-Dexports.run-at-startup=newsletter");
        command.add("io.brevosync.Application");
        return command;
    }

    private void awaitUp(int port) throws InterruptedException {
        TestServer.await("the restarted server", Duration.ofSeconds(60), () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/observe/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }
}
