package io.brevosync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.brevosync.db.Database;
import io.brevosync.db.DemoData;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A misconfigured export stops start-up with a message that names the export and the problem. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MisconfiguredExportTest {

    private Path dir;
    private Database database;
    private String url;

    @BeforeAll
    void startDatabase() throws Exception {
        dir = Files.createTempDirectory("misconfigured-export");
        database = new Database("", "", "", dir.resolve("postgres").toString(), 2, 100);
        database.migrate();
        DemoData.loadIfEmpty(database.dataSource(), 100);
        url = ((com.zaxxer.hikari.HikariDataSource) database.dataSource()).getJdbcUrl();
    }

    @AfterAll
    void stopDatabase() throws Exception {
        database.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no list id            | segments=vip                                      | listId must be a positive whole number, got ''",
        "list id not a number  | listId=two;segments=vip                           | listId must be a positive whole number, got 'two'",
        "no EMAIL mapping      | listId=1;segments=vip;mapping=FIRSTNAME=first_name | mapping has no EMAIL attribute",
        "no segments           | listId=1                                          | segments is empty",
        "unknown segment       | listId=1;segments=vip,nope                        | unknown segment(s) [nope]",
        "bad cron              | listId=1;segments=vip;cron=every day              | cron 'every day' is not a valid Quartz cron expression",
        "unknown connection    | listId=1;segments=vip;connection=other            | connection 'other' is not configured",
        "unknown parameter     | listId=1;segments=vip;listid=1                    | unknown parameter 'listid'",
        "batch over 10 MB      | listId=1;segments=vip;batchMaxBytes=20000000      | batchMaxBytes 20000000 is above what Brevo accepts",
        "declared twice        | listId=1;segments=vip;exportId=newsletter         | Export 'newsletter' is declared twice",
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
    })
    void startup_fails_naming_the_export_and_the_problem(String name, String parameters, String problem) throws Exception {
        StringBuilder yaml = new StringBuilder("""
                - templatedRoute:
                    routeTemplateRef: segment-export
                    routeId: export-bad
                    parameters:
                """);
        Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("exportId", "bad");
        for (String pair : parameters.split(";")) {
            values.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        values.forEach((k, v) -> yaml.append("      - name: ").append(k).append("\n        value: \"").append(v).append("\"\n"));
        Path routes = Files.writeString(dir.resolve("bad-" + Math.abs(name.hashCode()) + ".camel.yaml"), yaml);

        Main main = new Main(Application.class);
        // two connections a pool: a start-up that fails leaves its pools to the garbage collector, and there are twenty cases
        Map.of("db.url", url, "db.user", "postgres", "db.password", "postgres", "db.pool-size", "2", "sandbox.port", "0", "camel.server.enabled", "false",
                "camel.management.enabled", "false", "api.token", TestServer.TOKEN, "exports.run-at-startup", "",
                "camel.main.routes-include-pattern", "classpath:routes/*.camel.yaml,file:" + routes).forEach(main::addOverrideProperty);
        Exception failure = assertThrows(Exception.class, main::start);
        main.stop();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        String expectedExport = values.get("exportId");
        assertTrue(messages.toString().contains("Export '" + expectedExport + "'"), messages.toString());
        assertTrue(messages.toString().contains(problem), messages.toString());
    }
}
