package io.brevosync;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.db.Database;
import io.brevosync.demo.DemoData;
import io.brevosync.demo.EmbeddedDatabase;
import io.brevosync.export.ExportFiles;
import io.brevosync.sandbox.BrevoSandbox;
import io.brevosync.sandbox.RateLimits;
import io.brevosync.sandbox.SandboxAccount;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The route server as users run it (Application's Main, application.properties, routes/, an exports directory),
 * started in the test JVM on free ports against a fresh embedded PostgreSQL with demo profiles and an in-process
 * Brevo sandbox; tests talk to both over HTTP.
 */
public final class TestServer implements AutoCloseable {

    public static final String TOKEN = "test-token-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();
    /** Keys of the overrides that set up the test's database and sandbox rather than the server. */
    private static final String PROFILES = "demo.profiles";
    private static final String LIMITS = "sandbox.limits";
    private static final String LISTS = "sandbox.lists";

    /** The binaries of the newest PostgreSQL major, copied by the build (pom.xml, postgres-newest). */
    static final Path NEWEST_POSTGRES = Path.of("target/postgres/postgres-newest.jar");

    private final Main main;
    private final int port;
    private final Path dataDir;
    private final Path exportsDir;
    private final EmbeddedDatabase postgres;
    private final BrevoSandbox sandbox;
    private final HttpClient http = HttpClient.newHttpClient();
    /** with test.database-proxy=true: the server reaches PostgreSQL through it, and a test can cut it */
    private TcpProxy databaseProxy;

    private TestServer(Main main, int port, Path dataDir, Path exportsDir, EmbeddedDatabase postgres, BrevoSandbox sandbox) {
        this.main = main;
        this.port = port;
        this.dataDir = dataDir;
        this.exportsDir = exportsDir;
        this.postgres = postgres;
        this.sandbox = sandbox;
    }

    /**
     * Starts with test defaults (the demo's newsletter export, no start-up run, fast retries and polls, unlimited
     * sandbox) plus the given overrides; demo.profiles, sandbox.limits and sandbox.lists set up the database and sandbox.
     */
    public static TestServer start(Map<String, String> overrides) throws Exception {
        return start(overrides, Path.of("routes/exports/newsletter.camel.yaml"));
    }

    private static TestServer start(Map<String, String> overrides, Path... exportFiles) throws Exception {
        Path dataDir = Files.createTempDirectory("brevo-sync-test");
        Path exportsDir = Files.createDirectories(dataDir.resolve("exports"));
        for (Path file : exportFiles) {
            // tests run exports when they ask: the demo's half-hourly cron would start runs of its own at :00 and :30
            Files.writeString(exportsDir.resolve(file.getFileName()), Files.readString(file).replace("value: 0 0/30 * * * ?", "value: 0 0 0 1 1 ? 2099"));
        }
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(PROFILES, "3000");
        properties.put(LIMITS, "unlimited");
        properties.put(LISTS, "Demo newsletter");
        properties.putAll(overrides);
        // test.postgres=newest: the newest PostgreSQL major (the default binaries are the oldest supported)
        EmbeddedDatabase postgres = EmbeddedDatabase.start(dataDir.resolve("postgres"), Map.of(),
                "newest".equals(properties.remove("test.postgres")) ? NEWEST_POSTGRES : null);
        try (Database database = postgres.connect(2, 0)) {
            DemoData.install(database, Integer.parseInt(properties.remove(PROFILES)));
        }
        BrevoSandbox sandbox = new BrevoSandbox("localhost", 0);
        SandboxAccount account = sandbox.addAccount("default", "sandbox-" + java.util.UUID.randomUUID(), RateLimits.parse(properties.remove(LIMITS)));
        for (String list : properties.remove(LISTS).split(",")) {
            account.createList(list.trim(), 1);
        }
        for (String attribute : List.of("COUNTRY:text", "CITY:text", "BIRTHDATE:date", "CONSENT:boolean")) {
            account.defineAttribute(attribute.split(":")[0], attribute.split(":")[1]);
        }
        sandbox.start();
        Path keyFile = Files.writeString(dataDir.resolve("api-key"), account.apiKey());

        int port = freePort();
        Map<String, String> server = new LinkedHashMap<>();
        TcpProxy proxy = Boolean.parseBoolean(properties.remove("test.database-proxy")) ? new TcpProxy(postgres.port()) : null;
        server.put("db.url", proxy == null ? postgres.url() : "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres");
        server.put("db.user", EmbeddedDatabase.USER);
        server.put("db.password", EmbeddedDatabase.PASSWORD);
        server.put("brevo.connection.default.base-url", sandbox.baseUrl());
        server.put("brevo.connection.default.api-key-file", keyFile.toString());
        server.put("exports.dir", exportsDir.toString());
        server.put("camel.server.port", String.valueOf(port));
        server.put("camel.management.port", String.valueOf(port));
        server.put("api.token", TOKEN);
        server.put("access.record-consent-as", "test");
        // the tests' export files read the demo's tables unless they name a query
        server.put("exports.default-query", DemoData.QUERY);
        server.put("brevo.process-poll-first", "50");
        server.put("brevo.process-poll-max", "200");
        server.put("brevo.retry.delay", "20");
        server.put("brevo.retry.max-delay", "100");
        server.put("brevo.requests-per-second", "1000");
        server.putAll(properties);
        Main main = new Main(Application.class);
        server.forEach(main::addOverrideProperty);
        try {
            main.start();
            TestServer started = new TestServer(main, port, dataDir, exportsDir, postgres, sandbox);
            started.databaseProxy = proxy;
            started.awaitExportsRead();
            // the start-up reload looked the exports' lists up: tests count only their own requests
            sandbox.requests().clear();
            return started;
        } catch (Exception e) {
            main.stop();
            sandbox.close();
            postgres.close();
            throw e;
        }
    }

    /** The same, with the test exports of test-exports/test.camel.yaml and the sandbox lists they write (1-11). */
    public static TestServer startWithTestExports(Map<String, String> overrides) throws Exception {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(LISTS, "Newsletter,Small,Big,Mirror,Churn,Exited,Promo,Matrix,Quality,French,Owed,Rows,Fresh");
        properties.putAll(overrides);
        return start(properties, Path.of("routes/exports/newsletter.camel.yaml"), Path.of("src/test/resources/test-exports/test.camel.yaml"));
    }

    /** Tests' exports of fictitious profiles that say no consent policy of their own. */
    public static final String NO_CONSENT_NEEDED = "not-required: test data, fictitious profiles";

    /**
     * An exports file of one export: a templatedRoute of segment-export with these parameters, in this order; with
     * consent {@link #NO_CONSENT_NEEDED} where they name neither consent nor consentColumn (the default query returns
     * a consent column), so tests compare lists with whole segments. consent "" says no policy.
     */
    public static String exportFile(Map<String, String> values) {
        StringBuilder yaml = new StringBuilder("""
                - templatedRoute:
                    routeTemplateRef: segment-export
                    parameters:
                """);
        Map<String, String> parameters = new LinkedHashMap<>(values);
        if (!parameters.containsKey("consent") && !parameters.containsKey("consentColumn")) {
            parameters.put("consent", NO_CONSENT_NEEDED);
        }
        parameters.forEach((k, v) -> yaml.append("      - name: ").append(k).append("\n        value: \"").append(v).append("\"\n"));
        return yaml.toString();
    }

    /** POST /api/exports/reload, which must answer 200: what it did (loaded, removed, waiting, exports, errors). */
    public JsonNode reload() throws IOException, InterruptedException {
        HttpResponse<String> answer = api("POST", "/api/exports/reload");
        if (answer.statusCode() != 200) {
            throw new AssertionError("the reload answered " + answer.statusCode() + ": " + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    /** The error a reload's answer gives the export. */
    public static String exportError(JsonNode reload, String exportId) {
        for (JsonNode error : reload.get("errors")) {
            if (exportId.equals(error.path("exportId").asText())) {
                return error.get("error").asText();
            }
        }
        throw new AssertionError("no error for " + exportId + ": " + reload);
    }

    /** Deletes every export file but the demo's newsletter.camel.yaml, and reloads: the next test starts from it alone. */
    public void keepOnlyNewsletter() throws IOException, InterruptedException {
        try (var files = Files.list(exportsDir)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("newsletter.camel.yaml")).toList()) {
                Files.delete(file);
            }
        }
        reload();
    }

    /** The exports directory of this server: tests add, change and delete export files in it. */
    public Path exportsDir() {
        return exportsDir;
    }

    /** Waits until the start-up reload has read the exports directory. */
    private void awaitExportsRead() throws InterruptedException {
        ExportFiles files = context().getRegistry().lookupByNameAndType("exportFiles", ExportFiles.class);
        await("the exports directory read", Duration.ofSeconds(30), () -> files.reloads() > 0);
    }

    /** Fault switches off, import reports as Brevo's of today, and the request log empty, for the next test. */
    public void resetSandbox() {
        sandbox().faults().clear();
        sandbox().reports().clear();
        sandbox().requests().clear();
    }

    public int port() {
        return port;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public BrevoSandbox sandbox() {
        return sandbox;
    }

    /** The JDBC URL of another database of the test's PostgreSQL. */
    public String databaseUrl(String database) {
        return postgres.url().replace("/postgres", "/" + database);
    }

    public DataSource db() {
        return context().getRegistry().lookupByNameAndType("database", Database.class).dataSource();
    }

    // ---- HTTP ----

    public HttpResponse<String> call(String method, String path, String token) throws IOException, InterruptedException {
        return call(method, path, token, null);
    }

    /** A call with a JSON body (none when null). */
    public HttpResponse<String> call(String method, String path, String token, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(120))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> api(String method, String path) throws IOException, InterruptedException {
        return call(method, path, TOKEN);
    }

    /** A request or answer body as JSON, for sandbox inspectors (which may not throw checked exceptions). */
    public static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs the export now through the API and waits for its summary. */
    public JsonNode runAndWait(String exportId) throws IOException, InterruptedException {
        return runAndWait(exportId, false);
    }

    /** The same, sending every profile whether it changed or not. */
    public JsonNode runAndWait(String exportId, boolean fullResync) throws IOException, InterruptedException {
        HttpResponse<String> response = api("POST", "/api/exports/" + exportId + "/runs?wait=true" + (fullResync ? "&fullResync=true" : ""));
        if (response.statusCode() == 202) {
            // still running after api.run-wait: followed through its location
            return awaitRun(exportId, JSON.readTree(response.body()).get("runId").asLong());
        }
        if (response.statusCode() != 200) {
            throw new AssertionError("run of " + exportId + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Starts a run through the API (202) without waiting; answers its id. */
    public long startRun(String exportId, boolean fullResync) throws IOException, InterruptedException {
        HttpResponse<String> accepted = api("POST", "/api/exports/" + exportId + "/runs" + (fullResync ? "?fullResync=true" : ""));
        if (accepted.statusCode() != 202) {
            throw new AssertionError("run of " + exportId + " answered " + accepted.statusCode() + ": " + accepted.body());
        }
        return JSON.readTree(accepted.body()).get("runId").asLong();
    }

    /** Waits for a run to end (any status but queued and running) and answers it. */
    public JsonNode awaitRun(String exportId, long runId) throws InterruptedException {
        JsonNode[] run = new JsonNode[1];
        await("run " + runId + " to end", Duration.ofSeconds(90), () -> {
            try {
                HttpResponse<String> response = api("GET", "/api/exports/" + exportId + "/runs/" + runId);
                run[0] = JSON.readTree(response.body());
                // a 503 while the database comes back is asked again
                return response.statusCode() == 200 && !java.util.Set.of("queued", "running").contains(run[0].get("status").asText());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        return run[0];
    }

    // ---- database ----

    public List<String> strings(String sql) throws SQLException {
        return strings(db(), sql);
    }

    /** The first column of a query's rows, as text. */
    public static List<String> strings(DataSource db, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The exports whose sync state the triggers of V14 count otherwise than the table holds it (rows, addresses): none. */
    public List<String> miscountedSyncStates() throws SQLException {
        return strings("""
                select coalesce(s.export_id, c.export_id) || ': ' || coalesce(s.n, 0) || '/' || coalesce(s.m, 0) || ' counted ' || coalesce(c.rows, 0) || '/'
                       || coalesce(c.members, 0)
                from (select export_id, count(*) filter (where refused is null) as n, count(email) as m from sync_state group by export_id) s
                full join sync_state_count c on c.export_id = s.export_id
                where coalesce(s.n, 0) <> coalesce(c.rows, 0) or coalesce(s.m, 0) <> coalesce(c.members, 0)""");
    }

    /**
     * What a list should hold for the given segments, as email|FIRSTNAME|LASTNAME: their profiles with a valid email,
     * normalised and de-duplicated (lowest id wins), as the default query and the row mapper make them.
     */
    public java.util.Set<String> segmentResult(String... segments) throws SQLException {
        return segmentResult(db(), segments);
    }

    public static java.util.Set<String> segmentResult(DataSource db, String... segments) throws SQLException {
        return new java.util.TreeSet<>(strings(db, """
                select distinct on (lower(btrim(p.email))) lower(btrim(p.email)) || '|' || coalesce(p.first_name, '') || '|' || coalesce(p.last_name, '')
                from profile p join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id
                where s.name in ('%s') and lower(btrim(p.email)) ~ '^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$'
                order by lower(btrim(p.email)), p.id""".formatted(String.join("','", segments))));
    }

    /** How many profiles of the segments a run rejects: those with an invalid email, and every one but the lowest id of a shared email. */
    public long rejectedEmails(String... segments) throws SQLException {
        return Long.parseLong(strings("""
                select count(distinct p.id) - count(distinct lower(btrim(p.email))) filter (where lower(btrim(p.email)) ~ '^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$')
                from profile p join segment_member m on m.profile_id = p.id join segment s on s.id = m.segment_id
                where s.name in ('%s')""".formatted(String.join("','", segments))).get(0));
    }

    /** What the sandbox's list holds, in the shape of {@link #segmentResult}. */
    public java.util.Set<String> listMembers(long listId) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (Map<String, Object> member : sandbox().account("default").members(listId)) {
            Map<?, ?> a = (Map<?, ?>) member.get("attributes");
            out.add(member.get("email") + "|" + (a.get("FIRSTNAME") == null ? "" : a.get("FIRSTNAME")) + "|"
                    + (a.get("LASTNAME") == null ? "" : a.get("LASTNAME")));
        }
        return out;
    }

    public void sql(String sql) throws SQLException {
        sql(db(), sql);
    }

    /** Runs the statements (several may be separated by ;). */
    public static void sql(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * A free port below Linux's ephemeral range (32768-60999): one the kernel gave out for port 0 could be handed out
     * again, while the server starts, to the sandbox or the embedded PostgreSQL, which ask for port 0.
     */
    static int freePort() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 32000");
    }

    /** The relay to PostgreSQL of a server started with test.database-proxy=true. */
    TcpProxy databaseProxy() {
        return databaseProxy;
    }

    @Override
    public void close() throws Exception {
        main.stop();
        if (databaseProxy != null) {
            databaseProxy.close();
        }
        sandbox.close();
        postgres.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
