package io.brevosync;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.db.Database;
import io.brevosync.demo.EmbeddedDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What cannot work stops {@code java -jar} at once: exit status 1 and one line naming the cause and what to set, with
 * no stack trace. And {@code --version}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartupFailureIT {

    private Path dir;
    private EmbeddedDatabase postgres;
    private String brokenUrl;
    private String editedUrl;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("startup-failure");
        postgres = EmbeddedDatabase.start(dir.resolve("postgres"));
        // a database whose server schema already holds a table of another's (no migration history): Flyway will not migrate it
        try (Database database = new Database(postgres.url(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD, EmbeddedDatabase.SCHEMA, 1, 0, Duration.ofSeconds(5));
                var c = database.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute("create database clashing");
        }
        brokenUrl = postgres.url().replace("/postgres", "/clashing");
        // and one whose schema history no longer matches the jar's migrations (an applied migration edited since)
        try (Database database = new Database(postgres.url(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD, EmbeddedDatabase.SCHEMA, 1, 0, Duration.ofSeconds(5));
                var c = database.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute("create database edited");
        }
        editedUrl = postgres.url().replace("/postgres", "/edited");
        try (Database database = new Database(editedUrl, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD, EmbeddedDatabase.SCHEMA, 2, 0, Duration.ofSeconds(5))) {
            database.migrate();
            TestServer.sql(database.dataSource(), "update flyway_schema_history set checksum = 1 where version = '3'");
        }
        try (Database database = new Database(brokenUrl, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD, EmbeddedDatabase.SCHEMA, 1, 0, Duration.ofSeconds(5));
                var c = database.dataSource().getConnection(); var s = c.createStatement()) {
            s.execute("create schema brevo_sync; create table brevo_sync.export_run (name text)");
        }
    }

    @AfterAll
    void stop() throws Exception {
        postgres.close();
    }

    @Test
    void version_prints_the_version() throws Exception {
        try (ServerProcess jar = ServerProcess.start(ServerProcess.SERVER_JAR, Map.of(), List.of(), List.of("--version"), dir.resolve("version.log"))) {
            assertEquals(0, jar.awaitExit(Duration.ofSeconds(30)));
            assertEquals("brevo-segment-sync 0.1.0-SNAPSHOT", jar.log().strip());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no database            | DB_URL=                                        | No database configured: set DB_URL",
        "database unreachable   | DB_URL=jdbc:postgresql://localhost:1/crm       | Cannot connect to PostgreSQL at localhost:1/crm: Connection refused",
        "login refused          | DB_USER=nobody                                 | role \"nobody\" does not exist (check DB_URL, DB_USER and DB_PASSWORD)",
        "migration fails        | DB_URL=broken                                  | The database schema of localhost:",
        "migration edited       | DB_URL=edited                                  | Migration checksum mismatch for migration version 3; -> Applied to database : 1;",
        "no API token           | API_TOKEN=                                     | API_TOKEN is not set: set it to a secret of at least 16 characters",
        "short API token        | API_TOKEN=short                                | API_TOKEN is too short",
        "no Brevo key           | BREVO_API_KEY=                                 | Brevo connection 'default' has no API key: set the environment variable BREVO_API_KEY",
        "unreadable key file    | BREVO_API_KEY_FILE=/nonexistent/brevo-key      | cannot read its API key file /nonexistent/brevo-key",
        "port in use            | SERVER_PORT=taken                              | HTTP port",
    })
    void a_start_that_cannot_work_exits_with_one_line(String name, String setting, String message) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("DB_URL", postgres.url(), "DB_USER", EmbeddedDatabase.USER, "DB_PASSWORD", EmbeddedDatabase.PASSWORD,
                "API_TOKEN", TestServer.TOKEN, "BREVO_API_KEY", "a-key", "EXPORTS_DIR", dir.toString(), "SERVER_PORT", String.valueOf(TestServer.freePort())));
        String variable = setting.substring(0, setting.indexOf('='));
        String value = setting.substring(setting.indexOf('=') + 1);
        List<String> options = List.of();
        try (ServerSocket taken = new ServerSocket()) {
            if (value.equals("taken")) {
                taken.bind(new InetSocketAddress(Integer.parseInt(env.get("SERVER_PORT"))));
            } else if (value.equals("broken") || value.equals("edited")) {
                env.put("DB_URL", value.equals("broken") ? brokenUrl : editedUrl);
            } else if (variable.equals("BREVO_API_KEY_FILE")) {
                options = List.of("-Dbrevo.connection.default.api-key-file=" + value);
            } else {
                env.put(variable, value);
            }
            try (ServerProcess jar = ServerProcess.start(ServerProcess.SERVER_JAR, env, options, List.of(), dir.resolve(name.replace(' ', '-') + ".log"))) {
                assertEquals(1, jar.awaitExit(Duration.ofSeconds(60)), jar.log());
                String log = jar.log();
                List<String> errors = log.lines().filter(line -> line.contains(" ERROR ")).toList();
                assertEquals(1, errors.size(), "one ERROR line:\n" + log);
                assertTrue(errors.get(0).contains(message), log);
                assertFalse(log.contains("\tat ") || log.contains("Exception:"), "no stack trace:\n" + log);
                if (value.equals("taken")) {
                    assertTrue(errors.get(0).contains("set SERVER_PORT"), log);
                }
            }
        }
    }
}
