package io.brevosync;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quartz runs exports on their cron through the same route as the API, never two at once for one export. */
class ScheduledExportTest {

    @Test
    void cron_runs_the_export_and_fires_never_overlap() throws Exception {
        try (TestServer server = TestServer.startWithTestExports(Map.of("test.every-second.enabled", "true"))) {
            // each run takes over a second, so the every-second cron keeps firing while one is running
            server.sandbox().faults().importDelayMs(1200);
            TestServer.await("three scheduled runs", Duration.ofSeconds(40), () -> {
                try {
                    return server.strings("select id from export_run where export_id = 'every-second' and finished_at is not null").size() >= 3;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<String> runs = server.strings("select trigger || ' ' || status from export_run "
                    + "where export_id = 'every-second' and finished_at is not null order by id");
            assertTrue(runs.stream().allMatch(run -> run.equals("schedule succeeded_with_rejections")), runs.toString());
            List<String> overlaps = server.strings("""
                    select a.id from export_run a join export_run b on a.export_id = b.export_id and a.id < b.id
                    where a.export_id = 'every-second' and b.started_at < a.finished_at""");
            assertEquals(List.of(), overlaps, "a fire never starts while the previous run is active");
            assertTrue(server.sandbox().account("default").members(3).size() > 100, "the vip segment reached list 3");

            // an HTTP trigger while a scheduled run is active is refused, not run twice (a change gives the next run work)
            server.sql("update profile set city = city || '.' where id % 5 = 0");
            TestServer.await("a scheduled run in progress", Duration.ofSeconds(10), () -> {
                try {
                    return !server.strings("select id from export_run where export_id = 'every-second' and status = 'running'").isEmpty();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(409, server.api("POST", "/api/exports/every-second/runs").statusCode());
        }
    }
}
