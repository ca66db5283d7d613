package io.brevosync.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.Application;
import io.brevosync.db.Database;
import io.brevosync.sandbox.BrevoSandbox;
import io.brevosync.sandbox.RateLimits;
import io.brevosync.sandbox.SandboxAccount;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo ({@code mvn -Pdemo verify}): an embedded PostgreSQL with demo profiles, the Brevo sandbox, and the route
 * server pointed at both with application-demo.properties. Nothing here is in the product jar.
 */
public final class Demo {

    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        int status;
        try {
            status = run(args);
        } catch (IOException e) {
            // what the demo itself starts: the sandbox's port taken, PostgreSQL not starting
            LOG.error("The demo could not start: {}", e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    private static int run(String[] args) throws Exception {
        Properties demo = new Properties();
        try (InputStream in = Demo.class.getResourceAsStream("/application-demo.properties")) {
            demo.load(in);
        }
        Path data = Files.createDirectories(Path.of(demo.getProperty("demo.data-dir")));
        try (EmbeddedDatabase postgres = EmbeddedDatabase.start(data.resolve("postgres"));
                BrevoSandbox sandbox = startSandbox(demo)) {
            LOG.info("Demo: embedded PostgreSQL on port {} with data in {}; Brevo sandbox on {}", postgres.port(), data.resolve("postgres"),
                    sandbox.baseUrl());
            prepare(postgres, Integer.parseInt(demo.getProperty("demo.profiles")));
            Path keyFile = Files.writeString(data.resolve("sandbox-api-key"), sandbox.account("default").apiKey());
            String token = System.getenv().getOrDefault("API_TOKEN", "");
            boolean madeToken = token.isBlank();
            if (madeToken) {
                token = UUID.randomUUID().toString();
            }

            Main main = new Main(Application.class);
            demo.stringPropertyNames().stream().filter(key -> !key.startsWith("demo.")).forEach(key -> main.addOverrideProperty(key, demo.getProperty(key)));
            main.addOverrideProperty("db.url", postgres.url());
            main.addOverrideProperty("db.user", EmbeddedDatabase.USER);
            main.addOverrideProperty("db.password", EmbeddedDatabase.PASSWORD);
            main.addOverrideProperty("brevo.connection.default.base-url", sandbox.baseUrl());
            main.addOverrideProperty("brevo.connection.default.api-key-file", keyFile.toString());
            main.addOverrideProperty("api.token", token);
            String port = System.getProperty("camel.server.port", System.getenv().getOrDefault("SERVER_PORT", "8080"));
            // the demo's own token is shown (the log masks tokens, but not a variable assignment)
            String shown = madeToken ? "  export API_TOKEN=" + token + "\n" : "";
            // said once the server is up, so a start that fails does not end with instructions
            main.addMainListener(new MainListenerSupport() {
                @Override
                public void afterStart(BaseMainSupport started) {
                    LOG.info("Demo: exports go to the Brevo sandbox, not to Brevo. Try:\n{}"
                            + "  curl -H \"Authorization: Bearer $API_TOKEN\" http://localhost:{}/api/exports\n"
                            + "  curl http://localhost:{}/sandbox/accounts/default/lists/1/members\n"
                            + "  open http://localhost:{}/status (the status page; its token is $API_TOKEN)", shown, port, sandbox.port(), port);
                }
            });
            return Application.run(main, args);
        }
    }

    /** Migrates, loads the demo profiles into an empty database, and forgets what earlier demos delivered. */
    private static void prepare(EmbeddedDatabase postgres, int profiles) throws Exception {
        try (Database database = postgres.connect(2, 0); Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            DemoData.install(database, profiles);
            // the sandbox starts empty each time while the database keeps what was delivered to it
            if (s.executeUpdate("delete from sync_state") > 0) {
                LOG.info("Demo: the sandbox starts empty, so the demo's sync state from earlier starts is forgotten");
            }
        }
    }

    /** One sandbox account, connection "default", with the demo's lists and attributes. */
    private static BrevoSandbox startSandbox(Properties demo) throws IOException {
        int port = Integer.parseInt(demo.getProperty("demo.sandbox.port"));
        BrevoSandbox sandbox;
        try {
            sandbox = new BrevoSandbox("127.0.0.1", port);
        } catch (IOException e) {
            throw new IOException("port " + port + " of the Brevo sandbox cannot be used (" + e.getMessage() + "): stop what uses it", e);
        }
        SandboxAccount account = sandbox.addAccount("default", "sandbox-" + UUID.randomUUID(), RateLimits.parse(demo.getProperty("demo.sandbox.limits")));
        list(demo.getProperty("demo.sandbox.lists")).forEach(list -> account.createList(list, 1));
        list(demo.getProperty("demo.sandbox.attributes")).forEach(attribute -> {
            String[] parts = attribute.split(":");
            account.defineAttribute(parts[0], parts.length > 1 ? parts[1] : "text");
        });
        String faults = System.getenv().getOrDefault("SANDBOX_FAULTS", demo.getProperty("demo.sandbox.faults"));
        if (!faults.isBlank()) {
            sandbox.faults().update(new ObjectMapper().readTree(faults));
        }
        return sandbox.start();
    }

    private static java.util.List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
