package io.brevosync;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The supported PostgreSQL majors (docs/your-database.md): every other test runs on the oldest, 14 (embedded
 * PostgreSQL's default binaries); this one runs an export, its feed and a rerun on the newest, 18.
 */
class PostgresVersionsTest {

    @Test
    void on_the_newest_major_the_schema_migrates_an_export_runs_and_a_rerun_reads_the_feed() throws Exception {
        try (TestServer server = TestServer.start(Map.of("test.postgres", "newest", "demo.profiles", "300"))) {
            assertTrue(Integer.parseInt(server.strings("show server_version_num").get(0)) >= 180000, server.strings("select version()").toString());
            JsonNode first = server.runAndWait("newsletter");
            assertTrue(first.get("status").asText().startsWith("succeeded"), first.toString());
            assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(1));
            server.runAndWait("newsletter");
            server.sql("update profile set last_name = 'Eighteen' where id in (2, 4, 10)");
            JsonNode rerun = server.runAndWait("newsletter");
            assertEquals("the change feed named 3 profiles", rerun.get("feed").asText(), rerun.toString());
            assertEquals(3, rerun.get("rowsUpdated").asInt(), rerun.toString());
            assertEquals(server.segmentResult("newsletter", "vip"), server.listMembers(1));
        }
    }
}
