package io.brevosync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A misconfigured export file is listed with a message that names the export and the problem, is not put in force,
 * and takes no other export down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MisconfiguredExportTest {

    private TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(Map.of("demo.profiles", "100"));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no list id            | segments=vip                                      | listId must be a positive whole number, got ''",
        "list id not a number  | listId=two;segments=vip                           | listId must be a positive whole number, got 'two'",
        "list not in Brevo     | listId=99;segments=vip                            | Brevo list 99 does not exist in the account of connection 'default'",
        "no EMAIL mapping      | listId=1;segments=vip;mapping=FIRSTNAME=first_name | mapping has no EMAIL attribute",
        "no segments           | listId=1                                          | segments is empty",
        "column not returned   | listId=1;segments=vip;mapping=EMAIL=email,NOTE=nickname | its query returns no column [nickname]",
        "bad cron              | listId=1;segments=vip;cron=every day              | cron 'every day' is not a valid Quartz cron expression",
        "bad time zone         | listId=1;segments=vip;timeZone=Mars/Olympus       | timeZone 'Mars/Olympus' is not a time zone",
        "unknown connection    | listId=1;segments=vip;connection=other            | connection 'other' is not configured",
        "unknown parameter     | listId=1;segments=vip;listid=1                    | unknown parameter 'listid'",
        "batch over 10 MB      | listId=1;segments=vip;batchMaxBytes=20000000      | batchMaxBytes 20000000 is above what Brevo accepts",
        "declared twice        | listId=1;segments=vip;exportId=newsletter         | Export 'newsletter' is declared twice: also in newsletter.camel.yaml",
        "unknown exit policy   | listId=1;segments=vip;exitPolicy=delete           | exitPolicy 'delete' is not remove, keep or move",
        "move without a list   | listId=1;segments=vip;exitPolicy=move             | exitListId (the list 'move' puts leavers in) must be a positive whole number",
        "move into itself      | listId=1;segments=vip;exitPolicy=move;exitListId=1 | exitListId is the export's own list 1",
        "exit list, no move    | listId=1;segments=vip;exitListId=2                | exitListId is only used with exitPolicy move",
        "brake above 100 %     | listId=1;segments=vip;maxRemovalPercent=150       | maxRemovalPercent must be a number from 0 to 100, got '150'",
        "unknown mapping type  | listId=1;segments=vip;mapping=EMAIL=email,BIRTHDATE=birth_date:datetime | mapping type 'datetime' of BIRTHDATE is not one of [boolean, date, multiple-choice, number, phone, text]",
        "mapping not a column  | listId=1;segments=vip;mapping=EMAIL=email,CITY=city name | mapping column 'city name' of CITY is not a column name of the query",
        "unknown phone region  | listId=1;segments=vip;phoneRegion=XX              | phoneRegion 'XX' is not a region libphonenumber knows",
        "bad phone policy      | listId=1;segments=vip;invalidPhone=fix            | invalidPhone 'fix' is not one of drop, reject",
        "bad conflict policy   | listId=1;segments=vip;identifierConflict=merge    | identifierConflict 'merge' is not one of dropSms, skip",
        "unknown placeholder   | listId={{no.such.setting}};segments=vip           | no.such.setting",
    })
    void a_bad_export_is_listed_with_its_problem_and_the_others_run_on(String name, String parameters, String problem) throws Exception {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("exportId", "bad");
        for (String pair : parameters.split(";")) {
            values.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        Path file = server.exportsDir().resolve("bad.camel.yaml");
        Files.writeString(file, TestServer.exportFile(values));
        try {
            JsonNode reload = server.reload();
            JsonNode error = error(reload, "bad.camel.yaml");
            assertTrue(error != null, "the reload lists bad.camel.yaml with an error: " + reload);
            assertTrue(error.get("error").asText().contains("Export '" + values.get("exportId") + "'"), error.toString());
            assertTrue(error.get("error").asText().contains(problem), error.toString());

            JsonNode exports = TestServer.JSON.readTree(server.api("GET", "/api/exports").body());
            assertEquals(error, error(exports, "bad.camel.yaml"), "GET /api/exports shows the same error");
            assertEquals(List.of("newsletter"), exports.get("exports").findValuesAsText("exportId"),
                    "only the valid export is in force");
            assertEquals(200, server.api("GET", "/api/exports/newsletter/runs").statusCode(), "the other export is untouched");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void a_reload_checks_an_invalid_export_again_at_once() throws Exception {
        Path file = server.exportsDir().resolve("later.camel.yaml");
        Files.writeString(file, TestServer.exportFile(Map.of("exportId", "later", "listId", "1", "segments", "vip", "consent", "consent",
                "mapping", "EMAIL=email,LASTNAME=made_later", "query", "select p.*, p.id as profile_id from profile p")));
        try {
            JsonNode before = server.reload();
            assertTrue(String.valueOf(error(before, "later.camel.yaml")).contains("its query returns no column [made_later]"), before.toString());
            // the column is made: the next reload takes the export, not only the next check a minute later (exports.recheck-period)
            server.sql("alter table profile add column made_later text");
            java.net.http.HttpResponse<String> answer = server.api("POST", "/api/exports/reload");
            assertEquals(java.util.Optional.empty(), answer.headers().firstValue("recheckInvalid"), "the reload's own flag stays inside the server");
            JsonNode after = TestServer.JSON.readTree(answer.body());
            assertEquals(null, error(after, "later.camel.yaml"), after.toString());
            assertTrue(after.get("exports").toString().contains("\"later\""), after.toString());
        } finally {
            Files.delete(file);
            server.api("POST", "/api/exports/reload");
            server.sql("delete from segment where name = 'made-later'");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not YAML              | '- templatedRoute: [unclosed'",
        "a route, not an export | '- route:\n    from:\n      uri: timer:x'",
        "another template      | '- templatedRoute:\n    routeTemplateRef: other\n    parameters: []'",
    })
    void a_file_that_is_not_an_exports_file_is_listed_and_changes_nothing(String name, String yaml) throws Exception {
        Path file = server.exportsDir().resolve("broken.camel.yaml");
        Files.writeString(file, yaml.replace("\\n", "\n"));
        try {
            JsonNode reload = server.reload();
            JsonNode error = error(reload, "broken.camel.yaml");
            assertTrue(error != null && error.get("error").asText().startsWith("broken.camel.yaml is not a valid exports file"), reload.toString());
            assertEquals("[\"newsletter\"]", reload.get("exports").toString());
        } finally {
            Files.delete(file);
        }
    }

    private static JsonNode error(JsonNode answer, String file) {
        for (JsonNode error : answer.get("errors")) {
            if (error.get("file").asText().equals(file)) {
                return error;
            }
        }
        return null;
    }
}
