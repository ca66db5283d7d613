package io.brevosync;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.brevosync.api.ApiAuth;
import io.brevosync.brevo.BrevoConnections;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.db.Database;
import io.brevosync.db.DemoData;
import io.brevosync.db.Jdbc;
import io.brevosync.export.DataQuality;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.ImportBatcher;
import io.brevosync.export.RowMapper;
import io.brevosync.run.ExportRuns;
import io.brevosync.run.PhoneConflicts;
import io.brevosync.run.Preview;
import io.brevosync.run.RunLedger;
import io.brevosync.run.RunRemovals;
import io.brevosync.run.RunReports;
import io.brevosync.sandbox.BrevoSandbox;
import io.brevosync.sandbox.RateLimits;
import io.brevosync.sandbox.SandboxAccount;
import io.brevosync.sync.SyncRows;
import io.brevosync.sync.SyncState;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The beans the routes call by name, built from application.properties: database (embedded PostgreSQL unless db.url
 * is set), demo data, Brevo connections (or the in-process Brevo sandbox in demo mode), export registry, run ledger
 * and API authentication.
 */
public class ExportConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ExportConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent p = context.getPropertiesComponent();
        var registry = context.getRegistry();

        Database database = new Database(p.resolveProperty("db.url").orElse(""), p.resolveProperty("db.user").orElse(""),
                p.resolveProperty("db.password").orElse(""), p.resolveProperty("db.embedded.data-dir").orElse("data/postgres"),
                integer(p, "db.pool-size", 10), integer(p, "db.fetch-size", 5000));
        closeOnStop(context, database);
        database.migrate();
        DemoData.loadIfEmpty(database.dataSource(), integer(p, "demo.profiles", 0));
        registry.bind("database", database);
        registry.bind("exportDataSource", database.exportDataSource());

        List<String> connectionNames = list(p.resolveProperty("brevo.connections").orElse("default"));
        BrevoConnections connections;
        BrevoSandbox sandbox = null;
        boolean demo = Boolean.parseBoolean(p.resolveProperty("sandbox.enabled").orElse("false"));
        if (demo) {
            sandbox = startSandbox(p, connectionNames);
            closeOnStop(context, sandbox);
            registry.bind("sandbox", sandbox);
            connections = new BrevoConnections();
            for (String name : connectionNames) {
                connections.add(name, sandbox.baseUrl(), sandbox.account(name).apiKey(), BrevoConnections.rate(key -> p.resolveProperty(key).orElse(null), name));
            }
        } else {
            connections = BrevoConnections.fromProperties(connectionNames, key -> p.resolveProperty(key).orElse(null), System::getenv);
        }
        registry.bind("brevoConnections", connections);
        registry.bind("brevoFailures", new BrevoFailures());

        int rowMaxBytes = integer(p, "exports.row-max-bytes", 65_536);
        ExportRegistry exports = new ExportRegistry(database.dataSource(), connections.names(), p.resolveProperty("exports.default-query").orElseThrow(),
                integer(p, "exports.batch-max-rows", 50_000), integer(p, "exports.batch-max-bytes", 8_000_000), rowMaxBytes,
                Double.parseDouble(p.resolveProperty("exports.max-removal-percent").orElse("20")), quality(p));
        registry.bind("exportRegistry", exports);
        RowMapper rowMapper = new RowMapper(rowMaxBytes, integer(p, "exports.max-attempts", 3));
        registry.bind("rowMapper", rowMapper);
        registry.bind("syncRows", new SyncRows());
        ImportBatcher batcher = new ImportBatcher();
        registry.bind("importBatcher", batcher);
        Jdbc jdbc = new Jdbc(database.dataSource());
        SyncState syncState = new SyncState(jdbc);
        if (demo && syncState.reset() > 0) {
            // the in-process sandbox starts empty each time, while the database keeps what was delivered to it
            LOG.info("Demo mode: the sandbox starts empty, so what earlier starts delivered to it is forgotten");
        }
        RunLedger ledger = new RunLedger(jdbc);
        ExportRuns runs = new ExportRuns(exports, batcher, ledger, syncState, millis(p, "brevo.process-poll-first", 2_000),
                millis(p, "brevo.process-poll-max", 60_000), millis(p, "brevo.import-timeout", 1_800_000));
        registry.bind("runs", runs);
        registry.bind("reports", new RunReports(exports, ledger, runs));
        registry.bind("removals", new RunRemovals(ledger));
        registry.bind("phoneConflicts", new PhoneConflicts(ledger, syncState));
        registry.bind("preview", new Preview(exports, rowMapper, syncState, database.exportDataSource()));

        String token = p.resolveProperty("api.token").orElse("");
        if (token.isBlank() && demo) {
            // demo mode only: a fresh token per start, printed below; outside the demo a missing token stops start-up
            token = UUID.randomUUID().toString();
        }
        registry.bind("apiAuth", new ApiAuth(token));
        if (sandbox != null) {
            LOG.info("Demo mode: exports go to the in-process Brevo sandbox, not to Brevo. Try:\n"
                    + "  curl -H 'Authorization: Bearer {}' http://localhost:{}/api/exports\n"
                    + "  curl http://localhost:{}/sandbox/accounts/default/lists/1/members",
                    token, p.resolveProperty("camel.server.port").orElse("8080"), sandbox.port());
        }
    }

    /** Demo mode: one sandbox account per connection, each with its own random key, lists and attributes. */
    private static BrevoSandbox startSandbox(PropertiesComponent p, List<String> connectionNames) throws Exception {
        BrevoSandbox sandbox = new BrevoSandbox("localhost", integer(p, "sandbox.port", 8089));
        for (String name : connectionNames) {
            SandboxAccount account = sandbox.addAccount(name, "sandbox-" + UUID.randomUUID(), RateLimits.parse(p.resolveProperty("sandbox.limits").orElse("general")));
            list(p.resolveProperty("sandbox.lists").orElse("")).forEach(list -> account.createList(list, 1));
            list(p.resolveProperty("sandbox.attributes").orElse("")).forEach(attribute -> {
                String[] parts = attribute.split(":");
                account.defineAttribute(parts[0], parts.length > 1 ? parts[1] : "text");
            });
        }
        String faults = p.resolveProperty("sandbox.faults").orElse("");
        if (!faults.isBlank()) {
            sandbox.faults().update(new com.fasterxml.jackson.databind.ObjectMapper().readTree(faults));
        }
        return sandbox.start();
    }

    /** The exports.* data-quality defaults (each export may set its own). */
    private static DataQuality quality(PropertiesComponent p) {
        DataQuality d = DataQuality.defaults();
        return new DataQuality(p.resolveProperty("exports.phone-region").orElse(d.phoneRegion()).trim(),
                p.resolveProperty("exports.invalid-phone").orElse(d.invalidPhone()).trim(),
                p.resolveProperty("exports.identifier-conflict").orElse(d.identifierConflict()).trim(),
                Boolean.parseBoolean(p.resolveProperty("exports.send-blanks").orElse("false").trim()),
                p.resolveProperty("exports.oversized").orElse(d.oversized()).trim(), integer(p, "exports.text-max-chars", d.textMaxChars()), "",
                Boolean.parseBoolean(p.resolveProperty("exports.check-attributes").orElse("false").trim()));
    }

    private static void closeOnStop(CamelContext context, AutoCloseable resource) throws Exception {
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                resource.close();
            }
        });
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(PropertiesComponent p, String key, int defaultValue) {
        return p.resolveProperty(key).map(String::trim).map(Integer::parseInt).orElse(defaultValue);
    }

    private static Duration millis(PropertiesComponent p, String key, long defaultValue) {
        return Duration.ofMillis(p.resolveProperty(key).map(String::trim).map(Long::parseLong).orElse(defaultValue));
    }
}
