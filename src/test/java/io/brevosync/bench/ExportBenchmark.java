package io.brevosync.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.Application;
import io.brevosync.TestServer;
import io.brevosync.db.Database;
import io.brevosync.demo.DemoData;
import io.brevosync.demo.EmbeddedDatabase;
import io.brevosync.export.ExportFiles;
import org.apache.camel.main.Main;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * The performance benchmark: N profiles in one segment exported to a Brevo sandbox running in its own JVM with the
 * General plan's limits and the 10 MB body limit, timed until the sandbox's list holds all N; then the physical limit
 * of this machine (the same rows read out of PostgreSQL as JSON while the same bytes are POSTed, without Camel) and
 * the exporter a user would write instead ({@link BaselineExporter}), each with the export's ratio to it. Run with
 * {@code mvn -Pbenchmark verify} (sizes: {@code -Dbench.sizes=100000,1000000}; data sets: {@code -Dbench.data=clean,messy}; the sandbox's heap, which holds every
 * contact: {@code -Dbench.sandbox-heap=3g}). Each size runs on clean data, then on messy data: a full export, a 1 %
 * rerun and a rerun with nothing changed. Prints figures; asserts nothing.
 */
public final class ExportBenchmark {

    /** brevo.process-poll-first and -max: -Dbench.poll=2000,60000 for the production defaults. */
    private static final String[] POLL = System.getProperty("bench.poll", "250,2000").split(",");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "bench-token-" + UUID.randomUUID();

    private ExportBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String size : (args.length > 0 ? args[0] : "100000,1000000").split(",")) {
            sizes.add(Integer.parseInt(size.trim()));
        }
        Path work = Files.createTempDirectory("brevo-bench");
        String key = "bench-" + UUID.randomUUID();
        int sandboxPort = freePort();
        // Brevo's work is not on this machine in real life: the sandbox gets the collector that costs the least CPU (G1
        // marking its million contacts took ~6 s of the two cores' time away from the route server and PostgreSQL)
        Process sandbox = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + System.getProperty("bench.sandbox-heap", "3g"),
                // the whole heap from the start: growing it took full collections of millions of contacts
                "-Xms" + System.getProperty("bench.sandbox-heap", "3g"), "-XX:+UseParallelGC", "-cp",
                System.getProperty("java.class.path"), "io.brevosync.sandbox.BrevoSandbox", "--port", String.valueOf(sandboxPort),
                "--api-key", key, "--limits", "general", "--lists", "1").redirectErrorStream(true)
                .redirectOutput(work.resolve("sandbox.log").toFile()).start();
        // pg_stat_statements: where PostgreSQL's time goes, printed under each full export
        EmbeddedDatabase postgres = EmbeddedDatabase.start(work.resolve("postgres"), Map.of("shared_preload_libraries", "pg_stat_statements",
                "pg_stat_statements.track", "all"));
        Database database = postgres.connect(4, 5000);
        DemoData.install(database, 0);
        TestServer.sql(database.dataSource(), "create extension if not exists pg_stat_statements");
        Main main = null;
        try {
            String sandboxRoot = "http://localhost:" + sandboxPort;
            awaitUp(sandboxRoot + "/sandbox");
            Path keyFile = Files.writeString(work.resolve("api-key"), key);
            Path exportsDir = Files.createDirectories(work.resolve("exports"));
            Files.writeString(exportsDir.resolve("bench.camel.yaml"), """
                    - templatedRoute:
                        routeTemplateRef: segment-export
                        routeId: export-bench
                        parameters:
                          - name: exportId
                            value: bench
                          - name: listId
                            value: "1"
                          - name: segments
                            value: bench
                          - name: mapping
                            value: EMAIL=email,FIRSTNAME=first_name,LASTNAME=last_name,SMS=phone,COUNTRY=country,CITY=city,BIRTHDATE=birth_date:date
                          # the sandbox's account is new: COUNTRY, CITY and BIRTHDATE are made by the reload
                          - name: createAttributes
                            value: "true"
                          - name: consent
                            value: "not-required: generated benchmark profiles, sandbox only"
                    """);
            // the first size also creates the segment, so the export passes its start-up check
            load(database, 1, false);
            int apiPort = freePort();
            main = new Main(Application.class);
            Map<String, String> properties = Map.ofEntries(Map.entry("db.url", postgres.url()),
                    Map.entry("db.user", EmbeddedDatabase.USER), Map.entry("db.password", EmbeddedDatabase.PASSWORD), Map.entry("exports.dir", exportsDir.toString()),
                    Map.entry("brevo.connection.default.base-url", sandboxRoot + "/v3"), Map.entry("brevo.connection.default.api-key-file", keyFile.toString()),
                    Map.entry("api.token", TOKEN), Map.entry("access.record-consent-as", "benchmark"), Map.entry("exports.default-query", DemoData.QUERY),
                    Map.entry("camel.server.port", String.valueOf(apiPort)), Map.entry("camel.management.port", String.valueOf(apiPort)),
                    Map.entry("brevo.process-poll-first", POLL[0]), Map.entry("brevo.process-poll-max", POLL[1]));
            properties.forEach(main::addOverrideProperty);
            main.start();
            ExportFiles files = main.getCamelContext().getRegistry().lookupByNameAndType("exportFiles", ExportFiles.class);
            while (files.reloads() == 0) {
                Thread.sleep(50);
            }

            List<double[]> points = new ArrayList<>();
            System.out.printf("%n%-9s | %-8s | %-9s | %-8s | %-9s | %-9s | %-9s | %-7s | %-7s | %-8s | %-6s | %-10s | %-6s%n", "profiles", "export s", "rows/s",
                    "requests", "MB sent", "peak heap", "live heap", "GC ms", "RSS MB", "limit s", "ratio", "baseline s", "ratio");
            for (int n : sizes) {
                for (String data : System.getProperty("bench.data", "clean,messy").split(",")) {
                    boolean messy = data.trim().equals("messy");
                    load(database, n, messy);
                    System.out.println(messy ? "messy data: 10 % share one of 1,000 numbers, 5 % invalid emails, 2 % duplicate emails; the account holds half the contacts with other SMS numbers, "
                            + "and 1 % of the numbers on other contacts; Brevo refuses 0.1 % of the addresses"
                            : "clean data");
                    double[] figures = full(database, sandboxRoot, key, apiPort, sandbox, n, messy);
                    double rerun = rerun(database, sandboxRoot, apiPort, n, "  1 % rerun", "update profile set city = 'Lyon' where id % 100 = 0", messy ? -1 : n / 100);
                    rerun(database, sandboxRoot, apiPort, n, "  no change", null, 0);
                    if (!messy) {
                        points.add(new double[] {n, figures[0], figures[1], rerun, figures[2]});
                    }
                }
            }
            Path chart = Path.of("src/site/resources/benchmark.png");
            chart(points, chart);
            List<String> jvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-X")).toList();
            System.out.println("\nChart: " + chart + "  (machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + String.join(" ", jvm)
                    + ", Java " + System.getProperty("java.version") + ")");
        } finally {
            if (main != null) {
                main.stop();
            }
            database.close();
            postgres.close();
            sandbox.destroy();
            // the database of a million profiles takes ~1.6 GB (the sandbox's log stays)
            try (var files = Files.walk(work.resolve("postgres"))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /**
     * The first, full export into a fresh list (the account seeded for messy data), timed until the list holds every
     * row sent; then the physical limit and the baseline exporter. Prints the figures; answers export, limit and
     * baseline seconds.
     */
    private static double[] full(Database database, String sandboxRoot, String key, int apiPort, Process sandbox, int n, boolean messy) throws Exception {
        account(database, sandboxRoot, key, n, messy);
        long expected = expectedMembers(database, messy);
        JsonNode before = counters(sandboxRoot);
        statements(database, true);
        HeapPeak heap = HeapPeak.start();
        long gcBefore = gcMillis();
        double[] cpuBefore = cpu(sandbox);
        java.time.Instant started = java.time.Instant.now();
        HttpResponse<String> run = run(apiPort);
        double answered = took(started, run);
        // done once the list holds every row sent: at the answer, or when the sandbox has applied the last import
        double seconds = answered;
        while (run.body().contains("\"status\":\"succeeded") && listSize(sandboxRoot) < expected) {
            Thread.sleep(50);
            seconds = java.time.Duration.between(started, java.time.Instant.now()).toNanos() / 1e9;
        }
        double[] cpuAfter = cpu(sandbox);
        JsonNode after = counters(sandboxRoot); // before the timeline's own look at the processes
        String timeline = timeline(sandboxRoot, started, answered) + String.format(
                "%n  CPU used meanwhile: route server %.1f s, PostgreSQL %.1f s, sandbox %.1f s (%d cores x %.1f s = %.1f s)",
                cpuAfter[0] - cpuBefore[0], cpuAfter[1] - cpuBefore[1], cpuAfter[2] - cpuBefore[2], Runtime.getRuntime().availableProcessors(), seconds,
                Runtime.getRuntime().availableProcessors() * seconds);
        long gc = gcMillis() - gcBefore;
        heap.stop();
        java.util.function.ToLongFunction<String> counter = name -> after.path(name).asLong() - before.path(name).asLong();
        long requests = counter.applyAsLong("demo POST /v3/contacts/import 202");
        long bytes = counter.applyAsLong("demo bytes");
        JsonNode summary = JSON.readTree(run.body());
        String statements = statements(database, false);
        double limit = physicalLimit(database, sandboxRoot, key);
        double baseline = baseline(database, sandboxRoot, key, n, messy);
        System.out.printf("%-9d | %8.1f | %9.0f | %8d | %9.1f | %6d MB | %9s | %7d | %7d | %8.1f | %6.2f | %10.1f | %6.2f%n", n, seconds, n / seconds,
                requests, bytes / 1e6, heap.sampled / 1_000_000, heap.live(), gc, heap.rss / 1_000_000, limit, seconds / limit, baseline, seconds / baseline);
        System.out.println(timeline);
        System.out.print(statements);
        System.out.printf("  %s rows added, %s rejected, %s adjusted; Brevo's reports: %s invalid emails, %s duplicates%s; %d contact look-ups, "
                + "%d list pages read; /v3/processes: %d pages, %d by id%n", summary.path("rowsAdded").asText(), summary.path("rowsRejected").asText(),
                summary.path("rowsAdjusted").asText(), summary.path("invalidEmails").asText(), summary.path("duplicates").asText(),
                summary.path("warnings").isNull() ? "" : " (" + summary.path("warnings").asText() + ")",
                counter.applyAsLong("demo GET /v3/contacts/{identifier} 200") + counter.applyAsLong("demo GET /v3/contacts/{identifier} 404"),
                counter.applyAsLong("demo GET /v3/contacts/lists/{id}/contacts 200"), counter.applyAsLong("demo GET /v3/processes 200"),
                counter.applyAsLong("demo GET /v3/processes/{id} 200") + counter.applyAsLong("demo GET /v3/processes/{id} 404"));
        if (!summary.path("status").asText().startsWith("succeeded")) {
            System.out.println("  run: " + run.body());
        }
        return new double[] {seconds, limit, baseline};
    }

    /**
     * A rerun after the given change (null: none); the incremental run sends only what changed. Prints its figures
     * (and a warning if it did not update the expected rows, unless -1); answers its seconds.
     */
    private static double rerun(Database database, String sandboxRoot, int apiPort, int n, String label, String change, long expectedUpdates) throws Exception {
        if (change != null) {
            TestServer.sql(database.dataSource(), change);
        }
        JsonNode before = counters(sandboxRoot);
        statements(database, true);
        HeapPeak heap = HeapPeak.start();
        long gcBefore = gcMillis();
        java.time.Instant started = java.time.Instant.now();
        HttpResponse<String> run = run(apiPort);
        double seconds = took(started, run);
        heap.stop();
        JsonNode after = counters(sandboxRoot);
        String imports = "demo POST /v3/contacts/import 202";
        JsonNode summary = JSON.readTree(run.body());
        System.out.printf("%-9s | %8.1f | %9s | %8d | %9.1f | %6d MB | %9s | %7d | %7d | %s rows updated, %s unchanged, %s compared, status %s%n", label, seconds, "",
                after.path(imports).asLong() - before.path(imports).asLong(), (after.path("demo bytes").asLong() - before.path("demo bytes").asLong()) / 1e6,
                heap.sampled / 1_000_000, heap.live(), gcMillis() - gcBefore, heap.rss / 1_000_000, summary.path("rowsUpdated").asText(),
                summary.path("rowsUnchanged").asText(),
                summary.path("profilesCompared").isNull() ? "every profile" : summary.path("profilesCompared").asText(), summary.path("status").asText());
        if (after.path(imports).asLong() > before.path(imports).asLong()) {
            System.out.println(timeline(sandboxRoot, started, seconds));
        }
        System.out.print(statements(database, false));
        if (expectedUpdates >= 0 && summary.path("rowsUpdated").asLong() != expectedUpdates) {
            System.out.println("  expected " + expectedUpdates + " rows updated; run: " + run.body());
        }
        return seconds;
    }

    /**
     * N profiles in segment "bench", made by PostgreSQL itself; the sync state starts empty, like the sandbox. Messy:
     * every 10th profile has one of 1,000 shared numbers, every 20th an invalid email, every 50th the email (in
     * capitals) of the profile before it.
     */
    private static void load(Database database, int n, boolean messy) throws Exception {
        long start = System.nanoTime();
        String email = messy ? "case when i % 20 = 1 then 'customer' || i || '@@example.com' when i % 50 = 3 then 'CUSTOMER' || (i - 1) || '@EXAMPLE.COM' "
                + "else 'customer' || i || '@example.com' end" : "'customer' || i || '@example.com'";
        String phone = messy ? "case when i % 10 = 0 then '+3363' || lpad(((i / 10) % 1000)::text, 7, '0') else '+3361' || lpad(i::text, 7, '0') end"
                : "'+3361' || lpad(i::text, 7, '0')";
        TestServer.sql(database.dataSource(), "truncate profile cascade; delete from segment; truncate sync_state; truncate pending_unlink;"
                + "insert into profile (id, email, first_name, last_name, phone, country, city, birth_date, consent) "
                + "select i, " + email + ", 'First' || (i % 1000), 'Last' || (i % 997), " + phone + ", "
                + "'FR', 'Paris', date '1950-01-01' + (i % 20000), true from generate_series(1, " + n + ") i;"
                + "insert into segment (name) values ('bench');"
                + "insert into segment_member (segment_id, profile_id) select (select id from segment where name = 'bench'), id from profile;"
                + "analyze");
        System.out.printf("%nloaded %d profiles in %.1f s%n", n, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The sandbox account emptied, with list 1 again; for messy data it then holds half the contacts (even ids, in
     * another list) with other SMS numbers, as an account where the contacts already exist does, and what only Brevo
     * refuses: 1 % of the numbers on contacts outside the export (ids ending in 07), 0.1 % of the valid addresses
     * (ids ending in 509) refused as invalid. Its import reports name those rows.
     */
    private static void account(Database database, String sandboxRoot, String key, int n, boolean messy) throws Exception {
        freshList(sandboxRoot);
        if (!messy) {
            return;
        }
        post(sandboxRoot + "/sandbox/accounts/demo/lists", "{\"name\":\"Elsewhere\",\"folderId\":1}", null);
        post(database, sandboxRoot, key, 2, "copy (select json_build_object('email', 'customer' || i || '@example.com', "
                + "'attributes', json_build_object('SMS', '+3362' || lpad(i::text, 7, '0'))) from generate_series(2, " + n + ", 2) i) to stdout");
        post(database, sandboxRoot, key, 2, "copy (select json_build_object('email', 'outsider' || i || '@example.com', "
                + "'attributes', json_build_object('SMS', '+3361' || lpad(i::text, 7, '0'))) from generate_series(7, " + n + ", 100) i) to stdout");
        while (listSize(sandboxRoot, 1) < n / 2 + (n + 93) / 100) {
            Thread.sleep(50);
        }
        HTTP.send(HttpRequest.newBuilder(URI.create(sandboxRoot + "/sandbox/faults")).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("rejectEmails", java.util.stream.LongStream.iterate(509, i -> i <= n, i -> i + 1000)
                        .mapToObj(i -> "customer" + i + "@example.com").toList())))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** PostgreSQL's statements by time spent since the last reset (and resets, if asked), the top six as lines. */
    private static String statements(Database database, boolean reset) throws Exception {
        StringBuilder lines = new StringBuilder();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            if (reset) {
                s.execute("select pg_stat_statements_reset()");
                return "";
            }
            try (java.sql.ResultSet rs = s.executeQuery("select calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') from pg_stat_statements "
                    + "where query not like '%pg_stat_statements%' order by total_exec_time desc limit 6")) {
                while (rs.next()) {
                    String query = rs.getString(4);
                    lines.append(String.format("  PostgreSQL %6.1f s in %5d calls, %8d rows: %s%n", rs.getDouble(2) / 1000, rs.getLong(1), rs.getLong(3),
                            query.length() > 110 ? query.substring(0, 110) + "…" : query));
                }
            }
        }
        return lines.toString();
    }

    /**
     * Starts a run and follows it until it ends (GET every 250 ms, not ?wait=true: holding an HTTP worker thread for
     * more than a minute makes Vert.x log a warning a second); answers its last report. Its time is taken from the
     * report ({@link #took}), so looking less often costs the figures nothing, and the route server's CPU is the run's.
     */
    private static HttpResponse<String> run(int apiPort) throws Exception {
        String api = "http://localhost:" + apiPort + "/api/exports/bench/runs";
        HttpResponse<String> started = post(api, "", TOKEN);
        if (started.statusCode() != 202) {
            throw new IllegalStateException("the run did not start: " + started.statusCode() + " " + started.body());
        }
        String url = api + "/" + JSON.readTree(started.body()).path("runId").asLong();
        while (true) {
            Thread.sleep(250);
            HttpResponse<String> run = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (run.statusCode() != 200) {
                throw new IllegalStateException("GET " + url + " answered " + run.statusCode() + " " + run.body());
            }
            if (JSON.readTree(run.body()).path("finishedAt").isTextual()) {
                return run;
            }
        }
    }

    /** Seconds from the given instant to the end of the run as its report says (finishedAt). */
    private static double took(java.time.Instant started, HttpResponse<String> run) throws Exception {
        java.time.Instant finished = java.time.OffsetDateTime.parse(JSON.readTree(run.body()).path("finishedAt").asText()).toInstant();
        return java.time.Duration.between(started, finished).toNanos() / 1e9;
    }

    /** The sandbox's request counters so far ("account METHOD endpoint status", "account bytes"). */
    private static JsonNode counters(String sandboxRoot) throws Exception {
        return JSON.readTree(get(sandboxRoot + "/sandbox/requests?limit=0")).get("counters");
    }

    /** The contacts the list holds once every row is delivered: one per valid email. */
    /** The addresses the list holds once every row is in: not the invalid ones, nor (messy data) those Brevo refuses. */
    private static long expectedMembers(Database database, boolean messy) throws Exception {
        return Long.parseLong(TestServer.strings(database.dataSource(), "select count(distinct lower(email)) from profile where email not like '%@@%'"
                + (messy ? " and id % 1000 <> 509" : "")).get(0));
    }

    /**
     * This machine's physical limit: seconds to read the rows out of PostgreSQL as JSON (COPY … TO STDOUT, one item
     * a line) while POSTing them as ~8 MB import bodies on another thread, as a streaming client would.
     */
    private static double physicalLimit(Database database, String sandboxRoot, String key) throws Exception {
        long start = System.nanoTime();
        post(database, sandboxRoot, key, 1, """
                copy (select json_build_object('email', email, 'attributes', json_build_object('FIRSTNAME', first_name, 'LASTNAME', last_name,
                  'SMS', phone, 'COUNTRY', country, 'CITY', city, 'BIRTHDATE', birth_date)) from profile p
                  join segment_member m on m.profile_id = p.id) to stdout""");
        return (System.nanoTime() - start) / 1e9;
    }

    /** The JSON items a COPY … TO STDOUT writes, one a line, POSTed as ~8 MB imports into the list while they are read. */
    private static void post(Database database, String sandboxRoot, String key, long listId, String copySql) throws Exception {
        try (Connection c = database.exportDataSource().getConnection(); ImportPoster poster = new ImportPoster(sandboxRoot, key, listId)) {
            CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql);
            byte[] line;
            while ((line = copy.readFromCopy()) != null) {
                poster.add(line, line.length - 1); // without its newline
            }
            poster.finish();
            c.rollback();
        }
    }

    /** The exporter a user would write instead, on an account as the export had it: seconds until the list holds every row. */
    private static double baseline(Database database, String sandboxRoot, String key, int n, boolean messy) throws Exception {
        account(database, sandboxRoot, key, n, messy);
        long rows = expectedMembers(database, messy);
        long start = System.nanoTime();
        BaselineExporter.export(database.exportDataSource(), sandboxRoot, key);
        while (listSize(sandboxRoot) < rows) {
            Thread.sleep(50);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The sandbox account emptied, with list 1 again. */
    private static void freshList(String sandboxRoot) throws Exception {
        post(sandboxRoot + "/sandbox/reset", "", null);
        post(sandboxRoot + "/sandbox/accounts/demo/lists", "{\"name\":\"Bench\",\"folderId\":1}", null);
    }

    /**
     * Where a run's time went, from the sandbox's import processes since it started (its own inspection: Brevo's
     * answers carry no times): first and last import received, last one applied.
     */
    private static String timeline(String sandboxRoot, java.time.Instant started, double answered) throws Exception {
        List<JsonNode> processes = new ArrayList<>();
        JsonNode all = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(sandboxRoot + "/sandbox/accounts/demo/processes")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).path("processes");
        for (JsonNode p : all) {
            if (!java.time.Instant.parse(p.path("receivedAt").asText()).isBefore(started)) {
                processes.add(p);
            }
        }
        if (processes.isEmpty()) {
            return "  (no import processes)";
        }
        java.util.function.Function<String, Double> since = at -> java.time.Duration.between(started, java.time.Instant.parse(at)).toMillis() / 1000.0;
        JsonNode last = processes.get(processes.size() - 1);
        return String.format("  first import received at %.1f s, last at %.1f s, last applied at %s; run answered at %.1f s",
                since.apply(processes.get(0).path("receivedAt").asText()), since.apply(last.path("receivedAt").asText()),
                last.path("endedAt").isNull() ? "(not yet)" : String.format("%.1f s", since.apply(last.path("endedAt").asText())), answered);
    }

    /**
     * CPU seconds used so far by this JVM (the route server), by the PostgreSQL processes (server and backends) and by
     * the sandbox's JVM: the three share this machine's cores during a run.
     */
    private static double[] cpu(Process sandbox) {
        double server = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
        double postgres = ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/postgres"))
                .mapToDouble(p -> p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0)).sum();
        return new double[] {server, postgres, sandbox.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0)};
    }

    private static long listSize(String sandboxRoot) throws Exception {
        return listSize(sandboxRoot, 0);
    }

    /** The contacts of the account's list at this index (0: list 1). */
    private static long listSize(String sandboxRoot, int index) throws Exception {
        return JSON.readTree(get(sandboxRoot + "/sandbox")).get("accounts").get(0).get("lists").get(index).get("uniqueSubscribers").asLong();
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static HttpResponse<String> post(String url, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitUp(String url) throws Exception {
        for (int i = 0; i < 100; i++) {
            try {
                get(url);
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("sandbox did not start; see its log");
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Export time, physical limit, 1 % rerun and the baseline exporter against N, as a PNG. */
    private static void chart(List<double[]> points, Path file) throws Exception {
        int w = 720;
        int h = 420;
        int left = 70;
        int bottom = 50;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double maxN = points.stream().mapToDouble(p -> p[0]).max().orElse(1);
        double maxT = points.stream().mapToDouble(p -> Math.max(p[1], Math.max(p[2], p[4]))).max().orElse(1) * 1.15;
        String[] labels = {"export, end to end", "physical limit (read while POSTing)", "rerun with 1 % changed", "baseline exporter (no guarantees)"};
        Color[] colors = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd)};
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawLine(left, h - bottom, w - 20, h - bottom);
        g.drawLine(left, 20, left, h - bottom);
        g.drawString("profiles", w / 2 - 20, h - 12);
        g.drawString("seconds", 8, 30);
        g.drawString(String.format("%.0f", maxN), w - 90, h - bottom + 18);
        g.drawString("0", left - 12, h - bottom + 14);
        g.drawString(String.format("%.0f s", maxT), 12, 60);
        for (int series = 0; series < labels.length; series++) {
            g.setColor(colors[series]);
            g.setStroke(new BasicStroke(2.5f));
            int px = left;
            int py = h - bottom;
            for (double[] p : points) {
                int x = left + (int) ((w - 20 - left) * p[0] / maxN);
                int y = h - bottom - (int) ((h - bottom - 20) * p[series + 1] / maxT);
                g.drawLine(px, py, x, y);
                g.fillOval(x - 4, y - 4, 8, 8);
                px = x;
                py = y;
            }
            g.drawString(labels[series], left + 20, 40 + 18 * series);
        }
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    /**
     * Heap use during a run, two ways: the highest total it held (garbage included: the young generation grows
     * towards -Xmx before it is collected), seen right before each garbage collection and by sampling every 50 ms,
     * and the highest total right after a collection (what the run kept: its working set, with old garbage not yet
     * marked). Sampling more often cost the route server's JVM ~0.8 s of CPU in a 1 M run.
     */
    private static final class HeapPeak implements javax.management.NotificationListener {
        private final Thread sampler;
        private volatile boolean running = true;
        private volatile long max;
        private volatile long maxRss;
        private final java.util.concurrent.atomic.AtomicLong maxBeforeGc = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong maxAfterGc = new java.util.concurrent.atomic.AtomicLong();
        long sampled;
        long live;
        /** the highest resident set size of this JVM seen (every 50 ms) */
        long rss;

        private HeapPeak() {
            sampler = new Thread(() -> {
                while (running) {
                    max = Math.max(max, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                    maxRss = Math.max(maxRss, rss());
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-peak");
            sampler.setDaemon(true);
        }

        static HeapPeak start() {
            System.gc();
            HeapPeak peak = new HeapPeak();
            ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> ((javax.management.NotificationEmitter) gc).addNotificationListener(peak, null, null));
            peak.sampler.start();
            return peak;
        }

        @Override
        public void handleNotification(javax.management.Notification notification, Object handback) {
            if (notification.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                var info = com.sun.management.GarbageCollectionNotificationInfo.from((javax.management.openmbean.CompositeData) notification.getUserData());
                long before = 0;
                long after = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (pool.getType() == MemoryType.HEAP) {
                        before += used(info.getGcInfo().getMemoryUsageBeforeGc().get(pool.getName()));
                        after += used(info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName()));
                    }
                }
                maxBeforeGc.accumulateAndGet(before, Math::max);
                maxAfterGc.accumulateAndGet(after, Math::max);
            }
        }

        private static long used(java.lang.management.MemoryUsage usage) {
            return usage == null ? 0 : usage.getUsed();
        }

        /** Resident pages (statm's second field, one short line: cheaper than reading status) times the 4 KB page of Linux on x86 and ARM. */
        private static long rss() {
            try {
                return Long.parseLong(Files.readString(Path.of("/proc/self/statm")).split(" ")[1]) * 4096;
            } catch (java.io.IOException | RuntimeException e) {
                return 0; // not Linux: no figure
            }
        }

        /** The live heap in MB, or "no GC" when the run needed no collection. */
        String live() {
            return live == 0 ? "no GC" : live / 1_000_000 + " MB";
        }

        void stop() throws Exception {
            running = false;
            sampler.join();
            sampled = Math.max(max, maxBeforeGc.get());
            rss = maxRss;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((javax.management.NotificationEmitter) gc).removeNotificationListener(this);
            }
            live = maxAfterGc.get();
        }
    }
}
