package io.brevosync;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** NOTIFY segments_refreshed runs the exports on the segments named: once per burst, and never lost behind a run. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChangeTriggerTest extends ServerTest {

    @Override
    protected TestServer startServer() throws Exception {
        return TestServer.start(Map.of("notify.debounce", "1000", "exports.batch-max-rows", "500"));
    }

    private long notifyRuns() throws Exception {
        return Long.parseLong(server.strings("select count(*) from export_run where trigger = 'notify' and export_id = 'newsletter'").get(0));
    }

    private void awaitNotifyRuns(long expected) throws Exception {
        TestServer.await(expected + " runs on notifications", Duration.ofSeconds(30), () -> {
            try {
                return notifyRuns() == expected && server.strings("select id from export_run where status in ('queued', 'running')").isEmpty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(1)
    void a_burst_of_notifications_makes_one_run_of_the_exports_on_those_segments() throws Exception {
        server.sql("select pg_notify('segments_refreshed', 'other')");
        Thread.sleep(2000);
        assertEquals(0, notifyRuns(), "no export is on segment 'other'");
        server.sql("select pg_notify('segments_refreshed', 'vip')");
        server.sql("select pg_notify('segments_refreshed', 'newsletter,vip')");
        server.sql("select pg_notify('segments_refreshed', '')");
        awaitNotifyRuns(1);
        Thread.sleep(2000);
        assertEquals(1, notifyRuns(), "three notifications within the debounce window made one run");
        assertEquals("notify", server.strings("select started_by from export_run where trigger = 'notify'").get(0));
    }

    @Test
    @Order(2)
    void a_notification_during_a_run_is_not_lost() throws Exception {
        server.sandbox().faults().latencyMs(300);
        server.sql("update profile set first_name = first_name || 'x'");
        long runId = server.startRun("newsletter", true);
        TestServer.await("the run running", Duration.ofSeconds(10), () -> {
            try {
                return server.strings("select status from export_run where id = " + runId).get(0).equals("running");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        server.sql("select pg_notify('segments_refreshed', 'newsletter')");
        server.awaitRun("newsletter", runId);
        awaitNotifyRuns(2);
    }
}
