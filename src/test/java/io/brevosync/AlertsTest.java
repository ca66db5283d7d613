package io.brevosync;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each alert rule fires once when it starts to hold and once more when it clears, delivered to a local webhook sink
 * and a local SMTP server; repeated runs in the same state send nothing; a sink that is down costs the run nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AlertsTest extends ServerTest {

    private final List<JsonNode> hooks = new CopyOnWriteArrayList<>();
    private HttpServer sink;
    private GreenMail mail;

    @Override
    protected TestServer startServer() throws Exception {
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sink.createContext("/hook", exchange -> {
            hooks.add(TestServer.JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        sink.start();
        mail = new GreenMail(new ServerSetup(TestServer.freePort(), "127.0.0.1", "smtp"));
        mail.start();
        return TestServer.start(Map.of("alerts.webhook-url", "http://127.0.0.1:" + sink.getAddress().getPort() + "/hook",
                "alerts.mail.to", "ops@example.com", "alerts.mail.smtp", "smtp://127.0.0.1:" + mail.getSmtp().getPort(),
                "alerts.check-period", "300", "exports.batch-max-rows", "500"));
    }

    @AfterAll
    void stopSinks() {
        sink.stop(0);
        mail.stop();
    }

    private void export(String id, String alerts, String... more) throws Exception {
        Map<String, String> values = new java.util.LinkedHashMap<>(Map.of("exportId", id, "listId", "1", "segments", "newsletter,vip", "alerts", alerts));
        for (int i = 0; i + 1 < more.length; i += 2) {
            values.put(more[i], more[i + 1]);
        }
        Files.writeString(server.exportsDir().resolve(id + ".camel.yaml"), TestServer.exportFile(values));
        JsonNode reload = server.reload();
        assertTrue(reload.get("errors").isEmpty(), reload.toString());
    }

    /** The alerts of the export and rule the sink received, in order: "firing", "resolved". */
    private List<String> states(String exportId, String rule) {
        return hooks.stream().filter(h -> h.get("exportId").asText().equals(exportId) && h.get("rule").asText().equals(rule))
                .map(h -> h.get("state").asText()).toList();
    }

    private void awaitStates(String exportId, String rule, String... states) throws InterruptedException {
        TestServer.await(exportId + " " + rule + " " + List.of(states) + " (received: " + hooks + ")", Duration.ofSeconds(20),
                () -> states(exportId, rule).equals(List.of(states)));
    }

    @Test
    @Order(1)
    void a_failed_run_alerts_once_and_recovers_once() throws Exception {
        export("failing", "", "query", "select id as profile_id, email from no_such_table where :#segments is not null");
        server.runAndWait("failing");
        server.runAndWait("failing");
        awaitStates("failing", "failed", "firing");
        Thread.sleep(500);
        assertEquals(List.of("firing"), states("failing", "failed"), "the second failed run sent nothing");
        export("failing", "");
        assertTrue(server.runAndWait("failing").get("status").asText().startsWith("succeeded"));
        awaitStates("failing", "failed", "firing", "resolved");
        TestServer.await("the two e-mails", Duration.ofSeconds(10), () -> mail.getReceivedMessages().length >= 2);
        var messages = mail.getReceivedMessages();
        assertTrue(messages[0].getSubject().startsWith("[ALERT] export failing, failed: run "), messages[0].getSubject());
        assertTrue(messages[1].getSubject().startsWith("[RESOLVED] export failing, failed"), messages[1].getSubject());
        assertEquals("ops@example.com", messages[0].getAllRecipients()[0].toString());
    }

    @Test
    @Order(2)
    void rejected_rows_and_long_runs_alert_and_clear() throws Exception {
        // the demo data has invalid emails: far above 0.1 %; 300 ms a call makes the run longer than 1 s
        export("picky", "rejectedPercent=0.1,runtime=1s");
        server.sandbox().faults().latencyMs(300);
        long first = server.runAndWait("picky").get("id").asLong();
        server.sandbox().faults().clear();
        awaitStates("picky", "rejected", "firing");
        awaitStates("picky", "runtime", "firing");
        // the rejected rows are sent again by every run until they are fixed: the next run, still rejecting, sends nothing new
        server.runAndWait("picky");
        Thread.sleep(500);
        assertEquals(List.of("firing"), states("picky", "rejected"));
        // fixed at the source: the run after that is clean, and quick
        server.sql("update profile set email = 'fixed' || id || '@example.com' where id::text in (select profile_id from export_row where run_id = "
                + first + " and outcome in ('rejected', 'failed', 'dead'))");
        server.runAndWait("picky");
        awaitStates("picky", "rejected", "firing", "resolved");
        awaitStates("picky", "runtime", "firing", "resolved");
    }

    @Test
    @Order(2)
    void a_rerun_that_rejects_the_same_rows_again_does_not_look_worse_than_the_first() throws Exception {
        // the demo data rejects far less than half its rows; a rerun sends nothing, and rejects those rows again
        export("steady", "rejectedPercent=50");
        JsonNode first = server.runAndWait("steady");
        JsonNode second = server.runAndWait("steady");
        assertEquals(0, second.get("rowsSent").asInt(), second.toString());
        assertEquals(first.get("rowsRejected").asInt(), second.get("rowsRejected").asInt());
        assertTrue(second.get("rowsRejected").asInt() > 0 && second.get("rowsRejected").asInt() * 2 < second.get("rowsRead").asInt(), second.toString());
        Thread.sleep(500);
        assertEquals(List.of("false"), server.strings("select firing::text from alert_state where export_id = 'steady' and rule = 'rejected'"));
        assertEquals(List.of(), states("steady", "rejected"));
    }

    @Test
    @Order(3)
    void a_braked_run_waiting_and_a_stale_export_alert_on_the_schedule() throws Exception {
        export("braked", "brakeWait=1s,stale=2s", "maxRemovalPercent", "1");
        assertTrue(server.runAndWait("braked").get("status").asText().startsWith("succeeded"));
        awaitStates("braked", "stale", "firing");
        // a tenth of the segment leaves: above the 1 % brake
        server.sql("delete from segment_member where profile_id in (select profile_id from segment_member order by profile_id limit "
                + "(select count(*) / 10 from segment_member))");
        JsonNode braked = server.runAndWait("braked");
        assertEquals("needs_confirmation", braked.get("status").asText(), braked.toString());
        awaitStates("braked", "brake", "firing");
        var confirm = server.api("POST", "/api/exports/braked/runs/" + braked.get("id").asLong() + "/confirm");
        assertEquals(200, confirm.statusCode(), confirm.body());
        awaitStates("braked", "brake", "firing", "resolved");
        assertTrue(server.runAndWait("braked").get("status").asText().startsWith("succeeded"));
        awaitStates("braked", "stale", "firing", "resolved");
    }

    @Test
    @Order(4)
    void an_unreachable_sink_costs_the_run_nothing() throws Exception {
        sink.stop(0);
        export("unheard", "rejectedPercent=0.1");
        JsonNode run = server.runAndWait("unheard");
        assertTrue(run.get("status").asText().startsWith("succeeded"), run.toString());
    }
}
