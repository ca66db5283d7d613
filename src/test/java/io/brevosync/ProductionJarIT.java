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
import java.util.jar.JarFile;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.db.Database;
import io.brevosync.demo.EmbeddedDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The product jar as a user deploys it ({@code java -jar}, production defaults, only the environment of the README's
 * Production section) against a PostgreSQL of its own and the standalone sandbox jar: nothing of the demo happens,
 * and export files written into EXPORTS_DIR are picked up, checked, replaced and removed live.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductionJarIT {

    private static final String KEY = "it-sandbox-key";
    private static final int PROFILES = 600;
    private final HttpClient http = HttpClient.newHttpClient();
    private Path dir;
    private Path exports;
    private EmbeddedDatabase postgres;
    private Database database;
    private ServerProcess sandbox;
    private ServerProcess server;
    private String sandboxRoot;
    private int port;
    private Map<String, String> env;
    private String adminToken;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("production-jar");
        exports = Files.createDirectories(dir.resolve("exports"));
        postgres = EmbeddedDatabase.start(dir.resolve("postgres"));
        // the customer's database as it is: a CRM in schema crm, other tables in public (a profile of another shape
        // among them), a read-only replica; then the roles as docs/your-database.md has a DBA make them, run as written
        database = new Database(postgres.url(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD, EmbeddedDatabase.SCHEMA, 2, 0, Duration.ofSeconds(5));
        sql("create table public.profile (id uuid primary key, full_name text); create table public.orders (id int primary key, total numeric);"
                + "insert into public.profile values ('6b1b8a36-0f7e-4a43-9d1c-3c2a2f7c1e01', 'Not A Customer'); insert into public.orders values (1, 9.5);"
                + "create schema crm; create table crm.customers (customer_id bigint primary key, mail text, given_name text, tags text[]);"
                + "insert into crm.customers select i, 'member' || i || '@example.com', 'Member' || i, array['members'] from generate_series(1, " + PROFILES + ") i");
        sql("create database replica");
        sql(leastPrivilegeSetUp());
        sql("create role reader login password 'reader-pw'; grant connect on database replica to reader");
        try (var c = java.sql.DriverManager.getConnection(replicaUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD); var s = c.createStatement()) {
            s.execute("create schema crm; create table crm.customers (customer_id bigint primary key, mail text, given_name text, tags text[]);"
                    + "insert into crm.customers select i, 'replica' || i || '@example.com', 'Replica' || i, array['members'] from generate_series(1, 40) i;"
                    + "grant usage on schema crm to reader; grant select on crm.customers to reader;"
                    // a function that writes with its owner's rights: only the read-only transaction stands in the way
                    + "create function crm.forget() returns boolean language sql security definer as 'delete from crm.customers; select true';"
                    + "grant execute on function crm.forget() to reader");
        }

        int sandboxPort = TestServer.freePort();
        sandbox = ServerProcess.start(ServerProcess.SANDBOX_JAR, Map.of(), List.of(),
                List.of("--port", String.valueOf(sandboxPort), "--api-key", KEY, "--limits", "unlimited", "--lists", "2"), dir.resolve("sandbox.log"));
        sandboxRoot = "http://127.0.0.1:" + sandboxPort;
        sandbox.awaitUp(sandboxRoot + "/sandbox");

        port = TestServer.freePort();
        env = Map.of("DB_URL", postgres.url(), "DB_USER", "brevo_sync", "DB_PASSWORD", "change-me",
                "API_TOKEN", TestServer.TOKEN, "BREVO_API_KEY", KEY, "BREVO_BASE_URL", sandboxRoot + "/v3", "EXPORTS_DIR", exports.toString(),
                "SERVER_PORT", String.valueOf(port));
        // quicker process polls and re-checks than the defaults, so the test waits less; nothing else is set
        server = ServerProcess.start(ServerProcess.SERVER_JAR, env, List.of("-Dbrevo.process-poll-first=100", "-Dbrevo.process-poll-max=300",
                "-Dexports.recheck-period=3000", "-Dsources=replica", "-Dsource.replica.url=" + replicaUrl(), "-Dsource.replica.user=reader",
                "-Dsource.replica.password=reader-pw"), List.of(), dir.resolve("server.log"));
        server.awaitUp("http://localhost:" + port + "/observe/health");
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
        database.close();
        postgres.close();
    }

    @Test
    @Order(1)
    void the_jar_holds_the_product_only() throws Exception {
        try (JarFile jar = new JarFile(ServerProcess.SERVER_JAR.toFile())) {
            List<String> demo = jar.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(name -> name.startsWith("io/brevosync/sandbox/") || name.startsWith("io/brevosync/demo/") || name.startsWith("io/zonky/")
                            || name.endsWith(".txz") || name.contains("application-demo") || name.startsWith("routes/exports/"))
                    .toList();
            assertEquals(List.of(), demo, "sandbox, demo or embedded PostgreSQL in the product jar");
            assertTrue(jar.getEntry("routes/export-run.camel.yaml") != null, "the engine's routes ship inside");
        }
        assertTrue(Files.size(ServerProcess.SERVER_JAR) < 80_000_000, "jar size " + Files.size(ServerProcess.SERVER_JAR));
    }

    @Test
    @Order(2)
    void a_production_start_does_nothing_of_the_demo() throws Exception {
        JsonNode answer = api("GET", "/api/exports", 200);
        assertEquals(0, answer.get("exports").size(), answer.toString());
        assertEquals(0, answer.get("errors").size(), answer.toString());
        assertEquals(List.of(String.valueOf(PROFILES)), TestServer.strings(database.dataSource(), "select count(*) from crm.customers"), "no customer inserted");
        // the server's schema beside the customer's, owned by its role; nothing added to public or crm
        assertEquals(List.of("brevo_sync"), TestServer.strings(database.dataSource(), "select nspowner::regrole::text from pg_namespace where nspname = 'brevo_sync'"));
        assertEquals(List.of("crm.customers", "public.orders", "public.profile"), TestServer.strings(database.dataSource(),
                "select schemaname || '.' || tablename from pg_tables where schemaname in ('public', 'crm') order by 1"));
        assertEquals(List.of("Not A Customer"), TestServer.strings(database.dataSource(), "select full_name from public.profile"));
        assertEquals(List.of("0"), TestServer.strings(database.dataSource(), "select count(*) from brevo_sync.sync_state"));
        assertEquals(Set.of(port), server.listeningPorts(), "the server listens on its API port only (no sandbox)");
        String log = server.log();
        assertTrue(log.contains("Brevo segment sync 0.1.0-SNAPSHOT (production): database localhost:" + postgres.port() + "/postgres (schema brevo_sync), "
                + "sources [replica at localhost:" + postgres.port() + "/replica], exports from " + exports.toAbsolutePath()), log);
        assertFalse(log.contains(TestServer.TOKEN) || log.contains(KEY), "a secret in the log");
        assertFalse(log.toLowerCase().contains("sandbox") || log.toLowerCase().contains("demo"), log);
    }

    @Test
    @Order(3)
    void the_first_admin_is_made_on_the_command_line_and_a_connection_runs_nothing_before_its_consent() throws Exception {
        String printed = command(env, "user", "add", "root", "--role", "admin");
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("shown this once: (bss_\\S+)").matcher(printed);
        assertTrue(token.find(), printed);
        adminToken = token.group(1);
        Files.writeString(exports.resolve("early.camel.yaml"), export("early", "2", "members", "EMAIL=mail"));
        awaitExport("early", e -> true);

        // the running server knows a token the command line made within access.refresh-period (5 s)
        TestServer.await("the new admin's token known", Duration.ofSeconds(15), () -> apiQuietly("/api/exports", adminToken).has("exports"));
        HttpResponse<String> refused = call("POST", "/api/exports/early/runs", adminToken, null);
        assertEquals(409, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("connection 'default' has no recorded data-privacy consent"), refused.body());
        HttpResponse<String> consent = call("POST", "/api/connections/default/consent", adminToken, "{\"agree\": true}");
        assertEquals(200, consent.statusCode(), consent.body());
        JsonNode connection = TestServer.JSON.readTree(consent.body());
        assertEquals("root", connection.get("consentBy").asText());
        assertTrue(connection.get("runnable").asBoolean(), connection.toString());
        Files.delete(exports.resolve("early.camel.yaml"));
    }

    @Test
    @Order(4)
    void a_file_written_into_the_directory_becomes_a_running_export_within_10_s() throws Exception {
        long written = System.nanoTime();
        Files.writeString(exports.resolve("members.camel.yaml"), export("members", "1", "members", "EMAIL=mail,FIRSTNAME=given_name"));
        awaitExport("members", e -> e.get("listId").asLong() == 1);
        double seconds = (System.nanoTime() - written) / 1e9;
        assertTrue(seconds < 10, "in force after " + seconds + " s");
        assertTrue(server.log().contains("Export members in force from members.camel.yaml"), server.log());

        JsonNode run = api("POST", "/api/exports/members/runs?wait=true", 200);
        assertEquals("succeeded", run.get("status").asText(), run.toString());
        assertEquals(PROFILES, members(1), "the run delivered every profile to the sandbox's list");
    }

    @Test
    @Order(5)
    void an_invalid_file_changes_nothing_and_says_why_until_it_is_fixed() throws Exception {
        Files.writeString(exports.resolve("later.camel.yaml"), export("later", "2", "members", "EMAIL=mail,LASTNAME=family_name", "query",
                "select * from crm.customers"));
        // a change that makes a valid export invalid: the version in force stays
        Files.writeString(exports.resolve("members.camel.yaml"), export("members", "99", "members", "EMAIL=mail,FIRSTNAME=given_name"));
        awaitErrors(errors -> errors.contains("Export 'later' is misconfigured: its query returns no column [family_name]")
                && errors.contains("Export 'members' is misconfigured: Brevo list 99 does not exist"));
        JsonNode members = export("members");
        assertEquals(1, members.get("listId").asLong(), "the valid version stays in force");
        assertEquals(1, count(server.log(), "its query returns no column [family_name]"), "the error is logged once");

        // the table arrives (readable through the DBA's default privileges): the export is picked up without touching its file
        sql("alter table crm.customers add column family_name text");
        awaitExport("later", e -> e.get("listId").asLong() == 2);
        Files.writeString(exports.resolve("members.camel.yaml"), export("members", "1", "members", "EMAIL=mail"));
        awaitErrors(String::isEmpty);
    }

    @Test
    @Order(6)
    void a_deleted_file_removes_its_export() throws Exception {
        Files.delete(exports.resolve("later.camel.yaml"));
        TestServer.await("export later removed", Duration.ofSeconds(10), () -> export("later") == null);
        assertEquals(404, call("POST", "/api/exports/later/runs").statusCode());
        assertTrue(export("members") != null, "the other export stays");
    }

    @Test
    @Order(7)
    void a_change_during_a_run_waits_for_it_to_end() throws Exception {
        // every sandbox answer takes 300 ms and batches are 50 rows: the run lasts several seconds
        sandboxCall("PUT", "/sandbox/faults", "{\"latencyMs\":300}");
        Files.writeString(exports.resolve("members.camel.yaml"), export("members", "1", "members", "EMAIL=mail", "batchMaxRows", "50"));
        awaitExport("members", e -> e.get("batchMaxRows").asInt() == 50);
        sql("update crm.customers set given_name = 'Changed' || customer_id");
        long runId = api("POST", "/api/exports/members/runs?fullResync=true", 202).get("runId").asLong();
        TestServer.await("run " + runId + " running", Duration.ofSeconds(20),
                () -> "running".equals(apiQuietly("/api/exports/members/runs/" + runId).path("status").asText()));

        Files.writeString(exports.resolve("members.camel.yaml"), export("members", "1", "members", "EMAIL=mail,FIRSTNAME=given_name"));
        TestServer.await("the change to wait for the run", Duration.ofSeconds(10), () -> export("members").has("change"));
        assertEquals("waits for run " + runId + " to end", export("members").get("change").asText());
        assertEquals(1, export("members").get("mapping").size(), "the export is unchanged while its run runs");

        TestServer.await("run " + runId + " to end", Duration.ofSeconds(90),
                () -> !Set.of("queued", "running").contains(apiQuietly("/api/exports/members/runs/" + runId).path("status").asText()));
        assertEquals("succeeded", apiQuietly("/api/exports/members/runs/" + runId).get("status").asText(), "the run was not cut");
        awaitExport("members", e -> e.get("mapping").size() == 2 && !e.has("change"));
        sandboxCall("DELETE", "/sandbox/faults", null);
    }

    @Test
    @Order(8)
    void a_reload_through_the_api_answers_what_it_did() throws Exception {
        Files.writeString(exports.resolve("second.camel.yaml"), export("second", "2", "members", "EMAIL=mail"));
        JsonNode reload = api("POST", "/api/exports/reload", 200);
        assertEquals("[\"second\"]", reload.get("loaded").toString(), reload.toString());
        assertEquals("[\"members\",\"second\"]", reload.get("exports").toString(), reload.toString());
        assertEquals(exports.toAbsolutePath().toString(), reload.get("directory").asText());
    }

    // ---- helpers ----

    /** An export of the CRM's customers whose tags name one of the segments (mapping in its columns: mail, given_name). */
    private static String export(String id, String listId, String segments, String mapping, String... more) {
        Map<String, String> values = new java.util.LinkedHashMap<>(Map.of("exportId", id, "listId", listId, "segments", segments, "mapping", mapping,
                "cron", "0 0 3 1 1 ?", "query", "select customer_id, mail, given_name, tags from crm.customers", "profileKey", "customer_id",
                "segmentsColumn", "tags"));
        for (int i = 0; i < more.length; i += 2) {
            values.put(more[i], more[i + 1]);
        }
        return TestServer.exportFile(values);
    }

    private JsonNode export(String id) {
        for (JsonNode e : apiQuietly("/api/exports").path("exports")) {
            if (e.get("exportId").asText().equals(id)) {
                return e;
            }
        }
        return null;
    }

    @Test
    @Order(9)
    void at_debug_level_no_secret_reaches_the_log() throws Exception {
        int debugPort = TestServer.freePort();
        Map<String, String> debugEnv = new java.util.HashMap<>(env);
        debugEnv.put("SERVER_PORT", String.valueOf(debugPort));
        debugEnv.put("LOG_LEVEL", "DEBUG");
        try (ServerProcess debug = ServerProcess.start(ServerProcess.SERVER_JAR, debugEnv, List.of("-Dbrevo.process-poll-first=100"), List.of(),
                dir.resolve("debug.log"))) {
            debug.awaitUp("http://localhost:" + debugPort + "/observe/health");
            Files.writeString(exports.resolve("logged.camel.yaml"), export("logged", "2", "members", "EMAIL=mail,FIRSTNAME=given_name"));
            HttpRequest list = HttpRequest.newBuilder(URI.create("http://localhost:" + debugPort + "/api/exports/logged/runs"))
                    .header("Authorization", "Bearer " + adminToken).build();
            TestServer.await("export logged in force", Duration.ofSeconds(20), () -> {
                try {
                    return http.send(list, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (java.io.IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            HttpResponse<String> run = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + debugPort + "/api/exports/logged/runs?wait=true"))
                    .POST(HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + adminToken).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, run.statusCode(), run.body());
            String log = debug.log();
            assertTrue(log.contains(" DEBUG "), "the log is at DEBUG level");
            for (String secret : List.of(TestServer.TOKEN, KEY, adminToken)) {
                assertFalse(log.contains(secret), "a secret in the DEBUG log: " + secret.substring(0, 6) + "…");
            }
        } finally {
            Files.deleteIfExists(exports.resolve("logged.camel.yaml"));
        }
    }

    @Test
    @Order(10)
    void with_a_keystore_the_api_is_served_over_tls() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder("keytool", "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && keytool.exitValue() == 0, new String(keytool.getInputStream().readAllBytes()));
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            trusted.load(in, "changeit".toCharArray());
        }
        var trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        var tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(2)).build();

        int tlsPort = TestServer.freePort();
        Map<String, String> tlsEnv = new java.util.HashMap<>(env);
        tlsEnv.put("SERVER_PORT", String.valueOf(tlsPort));
        tlsEnv.put("TLS_ENABLED", "true");
        tlsEnv.put("TLS_KEYSTORE", "file:" + keystore);
        tlsEnv.put("TLS_KEYSTORE_PASSWORD", "changeit");
        try (ServerProcess secure = ServerProcess.start(ServerProcess.SERVER_JAR, tlsEnv, List.of(), List.of(), dir.resolve("tls.log"))) {
            HttpRequest exports = HttpRequest.newBuilder(URI.create("https://localhost:" + tlsPort + "/api/exports"))
                    .header("Authorization", "Bearer " + TestServer.TOKEN).timeout(Duration.ofSeconds(10)).build();
            HttpResponse<String>[] answer = new HttpResponse[1];
            TestServer.await("the server up over TLS (log: " + dir.resolve("tls.log") + ")", Duration.ofSeconds(60), () -> {
                try {
                    answer[0] = https.send(exports, HttpResponse.BodyHandlers.ofString());
                    return true;
                } catch (java.io.IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(200, answer[0].statusCode(), answer[0].body());
            assertThrows(java.io.IOException.class, () -> http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + tlsPort + "/api/exports"))
                    .header("Authorization", "Bearer " + TestServer.TOKEN).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()),
                    "plain HTTP is not served");
        }
    }

    @Test
    @Order(11)
    void an_export_reads_a_replica_with_a_read_only_role_compares_every_profile_and_cannot_write() throws Exception {
        Files.writeString(exports.resolve("replica.camel.yaml"), export("replica-members", "2", "members", "EMAIL=mail,FIRSTNAME=given_name",
                "source", "replica"));
        awaitExport("replica-members", e -> "replica".equals(e.path("source").asText()));
        JsonNode run = api("POST", "/api/exports/replica-members/runs?wait=true", 200);
        assertEquals("succeeded", run.get("status").asText(), run.toString());
        assertEquals(40, run.get("rowsAdded").asInt(), run.toString());
        assertEquals("every profile compared: source 'replica' is another database, which has no change feed", run.get("feed").asText());
        assertEquals(List.of("0"), TestServer.strings(database.dataSource(), "select count(*) from pg_tables where schemaname = 'brevo_sync' and tablename like 'staged%'"),
                "the copy of the replica's rows is dropped once the run ends");
        // a query that would write, through a function its role may call: the read-only transaction refuses it, and the run fails saying so
        Files.writeString(exports.resolve("writer.camel.yaml"), export("writer", "2", "members", "EMAIL=mail", "source", "replica", "query",
                "select customer_id, mail, tags from crm.customers where crm.forget()"));
        awaitExport("writer", e -> true);
        JsonNode refused = api("POST", "/api/exports/writer/runs?wait=true", 200);
        assertEquals("failed_permanent", refused.get("status").asText(), "a fault of the export, not of the moment: " + refused);
        assertTrue(refused.toString().contains("cannot execute DELETE in a read-only transaction"), refused.toString());
        try (var c = java.sql.DriverManager.getConnection(replicaUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
                var s = c.createStatement(); var rs = s.executeQuery("select count(*) from crm.customers")) {
            rs.next();
            assertEquals(40, rs.getInt(1), "nothing deleted");
        }
        Files.delete(exports.resolve("writer.camel.yaml"));
        Files.delete(exports.resolve("replica.camel.yaml"));
    }

    @Test
    @Order(12)
    void the_feed_the_command_installs_makes_the_next_reruns_compare_only_what_changed() throws Exception {
        String printed = command(env, "feed", "install", "--export", "members");
        assertTrue(printed.contains("create or replace trigger brevo_sync_feed_updated after update on crm.customers referencing old table as old_rows "
                + "new table as new_rows for each statement execute function brevo_sync.profile_changed('customer_id');"), printed);
        assertTrue(printed.contains("create index concurrently if not exists customers_mail_key on crm.customers"), printed);
        assertEquals(List.of("0"), TestServer.strings(database.dataSource(), "select count(*) from pg_trigger where tgrelid = 'crm.customers'::regclass"),
                "printed, not applied: the server's role could not");
        Map<String, String> owner = new java.util.HashMap<>(env);
        owner.putAll(Map.of("DB_USER", EmbeddedDatabase.USER, "DB_PASSWORD", EmbeddedDatabase.PASSWORD));
        assertTrue(command(owner, "feed", "install", "--export", "members", "--apply").contains("-- applied"));
        assertEquals(List.of("4"), TestServer.strings(database.dataSource(), "select count(*) from pg_trigger where tgrelid = 'crm.customers'::regclass"));

        JsonNode first = api("POST", "/api/exports/members/runs?wait=true", 200);
        assertEquals("every profile compared; the change feed is used from the next run", first.get("feed").asText(), first.toString());
        sql("update crm.customers set given_name = 'Fed' || customer_id where customer_id <= 3");
        JsonNode rerun = api("POST", "/api/exports/members/runs?wait=true", 200);
        assertEquals("the change feed named 3 profiles", rerun.get("feed").asText(), rerun.toString());
        assertEquals(3, rerun.get("rowsUpdated").asInt(), rerun.toString());
    }

    /** Runs the jar as a command (java -jar … args) with this environment; answers what it printed, after checking it succeeded. */
    private String command(Map<String, String> environment, String... args) throws Exception {
        Path log = dir.resolve("command.log");
        List<String> line = new java.util.ArrayList<>(List.of("java", "-jar", ServerProcess.SERVER_JAR.toString()));
        line.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process done = builder.start();
        assertTrue(done.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && done.exitValue() == 0, String.join(" ", args) + ": " + Files.readString(log));
        return Files.readString(log);
    }

    @Test
    @Order(13)
    void sigterm_ends_the_run_after_its_batch_then_stops_the_routes_then_closes_the_pool() throws Exception {
        sandboxCall("PUT", "/sandbox/faults", "{\"latencyMs\":300}");
        Files.writeString(exports.resolve("members.camel.yaml"), export("members", "1", "members", "EMAIL=mail,FIRSTNAME=given_name", "batchMaxRows", "50"));
        awaitExport("members", e -> e.get("batchMaxRows").asInt() == 50 && e.get("mapping").size() == 2);
        sql("update crm.customers set given_name = 'Stopping' || customer_id");
        long runId = api("POST", "/api/exports/members/runs", 202).get("runId").asLong();
        TestServer.await("run " + runId + " sending", Duration.ofSeconds(20),
                () -> apiQuietly("/api/exports/members/runs/" + runId).at("/progress/batches").asInt() >= 2);

        long start = System.nanoTime();
        server.stop();
        double seconds = (System.nanoTime() - start) / 1e9;
        String log = server.log();
        assertTrue(seconds < 15, "stopped after " + seconds + " s");
        int stopping = log.indexOf("The server is stopping: 1 run(s) in progress");
        int runEnded = log.indexOf("Export members run " + runId + " canceled");
        int routesStopped = log.indexOf("Routes stopped");
        int poolClosed = log.indexOf("Database pools closed");
        assertTrue(stopping > 0 && stopping < runEnded && runEnded < routesStopped && routesStopped < poolClosed,
                "triggers and runs first, then the routes, then the pool: " + List.of(stopping, runEnded, routesStopped, poolClosed) + "\n" + log);
        assertEquals(List.of("canceled|run canceled (the server stopped)"), TestServer.strings(database.dataSource(),
                "select status || '|' || split_part(message, ' after', 1) from export_run where id = " + runId));
        sandboxCall("DELETE", "/sandbox/faults", null);
    }

    private void awaitExport(String id, java.util.function.Predicate<JsonNode> condition) throws InterruptedException {
        TestServer.await("export " + id + " as written (log " + dir.resolve("server.log") + ")", Duration.ofSeconds(10), () -> {
            JsonNode e = export(id);
            return e != null && condition.test(e);
        });
    }

    private void awaitErrors(java.util.function.Predicate<String> condition) throws InterruptedException {
        TestServer.await("the errors of the exports directory", Duration.ofSeconds(10),
                () -> condition.test(apiQuietly("/api/exports").path("errors").findValuesAsText("error").stream().reduce("", String::concat)));
    }

    private int members(long listId) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(sandboxRoot + "/sandbox/accounts/demo/lists/" + listId + "/members")).build(),
                HttpResponse.BodyHandlers.ofString());
        return TestServer.JSON.readTree(answer.body()).get("members").size();
    }

    private void sandboxCall(String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        int status = http.send(HttpRequest.newBuilder(URI.create(sandboxRoot + path)).method(method, publisher).header("Content-Type", "application/json")
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        assertTrue(status < 300, method + " " + path + " answered " + status);
    }

    private HttpResponse<String> call(String method, String path) throws Exception {
        return call(method, path, TestServer.TOKEN, null);
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).method(method, publisher)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode api(String method, String path, int expected) throws Exception {
        HttpResponse<String> answer = call(method, path);
        assertEquals(expected, answer.statusCode(), method + " " + path + ": " + answer.body());
        return TestServer.JSON.readTree(answer.body());
    }

    private JsonNode apiQuietly(String path) {
        return apiQuietly(path, TestServer.TOKEN);
    }

    private JsonNode apiQuietly(String path, String token) {
        try {
            return TestServer.JSON.readTree(call("GET", path, token, null).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String replicaUrl() {
        return postgres.url().replace("/postgres", "/replica");
    }

    /** The roles' set-up of docs/your-database.md "Privileges", as written there. */
    static String leastPrivilegeSetUp() throws java.io.IOException {
        String doc = Files.readString(Path.of("docs/your-database.md"));
        int marker = doc.indexOf("<!-- least-privilege");
        int start = doc.indexOf("```sql", marker) + "```sql".length();
        return doc.substring(start, doc.indexOf("```", start));
    }

    private void sql(String sql) throws Exception {
        try (var c = database.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
