package io.brevosync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 * Three server jars (separate JVMs) on one PostgreSQL and one General-plan sandbox (10 requests/s on the key), two
 * exports sharing the key on a 5-second cron while their segments keep changing: each fire runs once, on one node,
 * never skipped, and the nodes together never draw a 429. Then the node running a run is killed with SIGKILL: the
 * next fire, on a survivor, completes it.
 */
class ClusterIT {

    private static final int BATCH = 25;
    private static final String CRON = "0/5 * * * * ?";

    @Test
    void three_nodes_run_each_fire_once_within_one_rate_budget_and_take_over_from_a_killed_node() throws Exception {
        Path dir = Files.createTempDirectory("cluster");
        String key = "cluster-test-key";
        AtomicInteger tooMany = new AtomicInteger();
        AtomicLong importedToAlpha = new AtomicLong();
        try (EmbeddedDatabase postgres = EmbeddedDatabase.start(dir.resolve("postgres")); Database database = postgres.connect(2, 0);
                BrevoSandbox sandbox = new BrevoSandbox("localhost", 0)) {
            DemoData.install(database, 3000);
            SandboxAccount account = sandbox.addAccount("default", key, RateLimits.general());
            account.createList("Alpha", 1);
            account.createList("Beta", 1);
            sandbox.start();
            sandbox.inspector((method, path, query, headers, body, status, answer) -> {
                if (status == 429) {
                    tooMany.incrementAndGet();
                }
                if (path.equals("/v3/contacts/import") && status == 202 && TestServer.json(body).path("listIds").toString().equals("[1]")) {
                    importedToAlpha.addAndGet(TestServer.json(body).get("jsonBody").size());
                }
            });
            Path exports = Files.createDirectories(dir.resolve("exports"));
            Files.writeString(exports.resolve("cluster.camel.yaml"), export("alpha", 1, "newsletter") + export("beta", 2, "vip"));

            List<ServerProcess> nodes = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            try {
                for (int i = 1; i <= 3; i++) {
                    int port = TestServer.freePort();
                    ports.add(port);
                    Map<String, String> env = Map.of("DB_URL", postgres.url(), "DB_USER", EmbeddedDatabase.USER, "DB_PASSWORD", EmbeddedDatabase.PASSWORD,
                            "BREVO_BASE_URL", sandbox.baseUrl(), "BREVO_API_KEY", key, "API_TOKEN", TestServer.TOKEN, "SERVER_PORT", String.valueOf(port),
                            "EXPORTS_DIR", exports.toString(), "NODE_NAME", "node-" + i);
                    nodes.add(ServerProcess.start(ServerProcess.SERVER_JAR, env, List.of("-Daccess.record-consent-as=test",
                            "-Dbrevo.process-poll-first=500", "-Dbrevo.process-poll-max=2000",
                            "-Dscheduler.checkin-period=2000"), List.of(), dir.resolve("node-" + i + ".log")));
                }
                for (int i = 0; i < 3; i++) {
                    nodes.get(i).awaitUp("http://localhost:" + ports.get(i) + "/observe/health");
                }

                // the first fires deliver both segments; then 40 s of fires while ~75 profiles change every second
                TestServer.await("both exports delivered", Duration.ofSeconds(60), () -> rows(database,
                        "select distinct export_id from export_run where status like 'succeeded%'").size() == 2);
                awaitNoActiveRun(database);
                long from = System.currentTimeMillis();
                try (Churn churn = new Churn(database)) {
                    Thread.sleep(40_000);
                }
                awaitNoActiveRun(database);
                // each run with the 5-second slot of its fire
                List<String> runs = TestServer.strings(database.dataSource(), "select export_id || '|' || status || '|' || node || '|' || "
                        + "floor(extract(epoch from created_at) / 5)::bigint from export_run where created_at >= to_timestamp(" + from / 1000.0 + ") order by id");
                for (String exportId : List.of("alpha", "beta")) {
                    List<String> slots = runs.stream().filter(r -> r.startsWith(exportId + "|")).map(r -> r.substring(r.lastIndexOf('|') + 1)).toList();
                    assertTrue(slots.size() >= 7, exportId + ": a run for every fire of 40 s: " + runs);
                    assertEquals(slots.size(), new TreeSet<>(slots).size(), exportId + ": one run per fire: " + runs);
                }
                assertTrue(runs.stream().noneMatch(r -> r.contains("|skipped|")), "no fire skipped: " + runs);
                assertTrue(runs.stream().allMatch(r -> r.contains("|succeeded")), "every run succeeded: " + runs);
                assertEquals(0, tooMany.get(), "the three nodes kept to the key's 10 requests/s together: " + runs);
                System.out.println("Runs by node: " + runs.stream().map(r -> r.split("\\|")[2]).collect(java.util.stream.Collectors.groupingBy(n -> n,
                        java.util.TreeMap::new, java.util.stream.Collectors.counting())));

                // a big change of alpha, sent slowly; the node running it is killed in the middle (its Quartz fire is taken over
                // once it misses its check-ins, then the survivor's run finds the killed run's lock gone)
                sandbox.faults().latencyMs(100);
                importedToAlpha.set(0);
                TestServer.sql(database.dataSource(), "update profile set last_name = 'Killed' || id where id % 3 = 0");
                String node = awaitRunningNode(database, "alpha");
                TestServer.await("3 batches of alpha accepted", Duration.ofSeconds(30), () -> importedToAlpha.get() >= 3 * BATCH);
                int killed = Integer.parseInt(node.substring("node-".length())) - 1;
                nodes.get(killed).kill();
                long sentBeforeKill = importedToAlpha.get();

                TestServer.await("a survivor completing alpha", Duration.ofSeconds(60), () -> !rows(database,
                        "select id from export_run where export_id = 'alpha' and status like 'succeeded%' and id > (select max(id) from export_run "
                        + "where export_id = 'alpha' and status = 'interrupted')").isEmpty());
                sandbox.faults().latencyMs(0);
                awaitNoActiveRun(database);
                Set<String> expected = new TreeSet<>();
                TestServer.segmentResult(database.dataSource(), "newsletter").forEach(m -> expected.add(m.substring(0, m.indexOf('|'))));
                Set<String> members = new TreeSet<>();
                account.members(1).forEach(m -> members.add((String) m.get("email")));
                assertEquals(expected, members, "alpha's list equals its segment");
                long resent = importedToAlpha.get() - expected.size();
                assertTrue(sentBeforeKill < expected.size() && resent <= BATCH, resent + " contacts sent twice: at most the batch in flight may be");
                assertEquals(0, tooMany.get());
            } finally {
                for (ServerProcess node : nodes) {
                    node.close();
                }
            }
        }
    }

    /** Changes ~75 profiles a second (their first name), on its own thread, until closed. */
    private static final class Churn implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;

        Churn(Database database) {
            thread = new Thread(() -> {
                for (int tick = 0; running; tick++) {
                    try {
                        TestServer.sql(database.dataSource(), "update profile set first_name = 'Tick" + tick + "' where id % 40 = " + tick % 40);
                        Thread.sleep(1000);
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "churn");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }

    private static String awaitRunningNode(Database database, String exportId) throws InterruptedException {
        String sql = "select node from export_run where export_id = '" + exportId + "' and status = 'running'";
        TestServer.await("a running run of " + exportId, Duration.ofSeconds(30), () -> !rows(database, sql).isEmpty());
        return rows(database, sql).get(0);
    }

    private static void awaitNoActiveRun(Database database) throws InterruptedException {
        TestServer.await("no active run", Duration.ofSeconds(60), () -> rows(database, "select id from export_run where status in ('queued', 'running')").isEmpty());
    }

    private static List<String> rows(Database database, String sql) {
        try {
            return TestServer.strings(database.dataSource(), sql);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String export(String id, long listId, String segment) {
        return TestServer.exportFile(Map.of("exportId", id, "listId", String.valueOf(listId), "segments", segment, "query", DemoData.QUERY,
                "mapping", "EMAIL=email,FIRSTNAME=first_name,LASTNAME=last_name", "batchMaxRows", String.valueOf(BATCH), "maxRemovalPercent", "100",
                "cron", CRON));
    }
}
