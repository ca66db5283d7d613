package io.brevosync;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.brevosync.access.AuditLog;
import io.brevosync.access.ConnectionPolicies;
import io.brevosync.access.PrivacyStatement;
import io.brevosync.access.Users;
import io.brevosync.api.ApiAuth;
import io.brevosync.api.ApiErrors;
import io.brevosync.api.ApiGate;
import io.brevosync.brevo.BrevoConnections;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.brevo.ReportLinks;
import io.brevosync.db.Database;
import io.brevosync.db.Sources;
import io.brevosync.db.Jdbc;
import io.brevosync.db.Outage;
import io.brevosync.export.AccountAttributes;
import io.brevosync.export.ExportFiles;
import io.brevosync.export.ExportParameters;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.ImportBatcher;
import io.brevosync.export.RowMapper;
import io.brevosync.observe.AlertRules;
import io.brevosync.observe.Alerts;
import io.brevosync.observe.ExportMetrics;
import io.brevosync.observe.ReadinessChecks;
import io.brevosync.run.BatchImporter;
import io.brevosync.run.ChangeTrigger;
import io.brevosync.run.ClusteredSchedules;
import io.brevosync.run.ImportTracker;
import io.brevosync.run.PassReader;
import io.brevosync.run.RunAdmission;
import io.brevosync.run.RunControl;
import io.brevosync.run.RunLocks;
import io.brevosync.run.PhoneConflicts;
import io.brevosync.run.ProcessReports;
import io.brevosync.run.Preview;
import io.brevosync.run.RunLedger;
import io.brevosync.run.RunRemovals;
import io.brevosync.run.Reconciliation;
import io.brevosync.run.RunReports;
import io.brevosync.sync.ChangeFeed;
import io.brevosync.sync.SyncRows;
import io.brevosync.sync.Staging;
import io.brevosync.sync.SyncQuery;
import io.brevosync.sync.SyncState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The beans the routes call by name, built from application.properties (every default is there): the database, the
 * Brevo connections, the exports directory and registry, the run ledger and the API's authentication. What cannot
 * work (no database, a missing key or token, the HTTP port taken) stops start-up with a {@link StartupFailure}.
 */
public class ExportConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ExportConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent p = context.getPropertiesComponent();
        var registry = context.getRegistry();
        checkPortFree(p);

        String token = property(p, "api.token");
        if (token.length() < 16) {
            throw new StartupFailure(token.isEmpty() ? "API_TOKEN is not set: set it to a secret of at least 16 characters (e.g. openssl rand -hex 24)"
                    : "API_TOKEN is too short: use at least 16 characters (e.g. openssl rand -hex 24)");
        }
        List<String> connectionNames = list(property(p, "brevo.connections"));
        BrevoConnections connections = BrevoConnections.fromProperties(connectionNames, key -> p.resolveProperty(key).orElse(null), System::getenv);

        Duration connectTimeout = Duration.ofMillis(integer(p, "db.connect-timeout"));
        Database database = new Database(property(p, "db.url"), property(p, "db.user"), property(p, "db.password"), property(p, "db.schema"),
                integer(p, "db.pool-size"), integer(p, "db.fetch-size"), connectTimeout);
        closeOnStop(context, database);
        database.migrate();
        Sources sources = new Sources(database, list(property(p, "sources")), key -> p.resolveProperty(key).map(String::trim).orElse(""), integer(p, "db.pool-size"), integer(p, "db.fetch-size"),
                connectTimeout);
        closeOnStop(context, sources);
        String node = nodeName(p);
        ClusteredSchedules.install(context, key -> property(p, key), node);
        registry.bind("database", database);
        registry.bind("exportDataSource", database.exportDataSource());
        connections.share(database.dataSource());
        registry.bind("brevoConnections", connections);
        // Camel serves this registry at /observe/metrics; the exports' and Brevo's meters join it
        MeterRegistry meters = registry.lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (meters == null) {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry.bind("metricsRegistry", meters);
        }
        ExportMetrics metrics = new ExportMetrics(meters);
        connections.meter(metrics);
        metrics.breaker(breakerState(context));
        registry.bind("brevoFailures", new BrevoFailures());

        int rowMaxBytes = integer(p, "exports.row-max-bytes");
        int textMaxChars = integer(p, "exports.text-max-chars");
        Jdbc jdbc = new Jdbc(database.dataSource());
        SyncState syncState = new SyncState(jdbc, sources);
        ExportRegistry exports = new ExportRegistry(export -> syncState.columns(export).names());
        registry.bind("exportRegistry", exports);
        registry.bind("accountAttributes", new AccountAttributes());
        RowMapper rowMapper = new RowMapper(rowMaxBytes, integer(p, "exports.max-attempts"));
        registry.bind("rowMapper", rowMapper);
        registry.bind("syncRows", new SyncRows());
        ImportBatcher batcher = new ImportBatcher();
        registry.bind("importBatcher", batcher);
        RunLedger ledger = new RunLedger(jdbc, node);
        RunLocks locks = new RunLocks(database.dataSource());
        Duration importTimeout = millis(p, "brevo.import-timeout");
        PhoneConflicts phoneConflicts = new PhoneConflicts(ledger, syncState);
        registry.bind("phoneConflicts", phoneConflicts);
        ReportLinks reportLinks = new ReportLinks(millis(p, "brevo.report-timeout"), integer(p, "brevo.report-max-bytes"));
        ImportTracker tracker = new ImportTracker(ledger, syncState, new ProcessReports(ledger, syncState, phoneConflicts, reportLinks, connections, metrics),
                importTimeout, metrics);
        Outage outage = new Outage(millis(p, "db.outage-wait"), database.dataSource());
        RunControl runs = new RunControl(exports, batcher, ledger, syncState, locks, tracker, millis(p, "brevo.process-poll-first"),
                millis(p, "brevo.process-poll-max"), importTimeout, name -> connections.window(name, "/processes"), metrics, outage);
        ChangeFeed feed = new ChangeFeed(jdbc, sources, database.schema(), millis(p, "exports.full-compare-after"));
        registry.bind("changeFeed", feed);
        SyncQuery queries = new SyncQuery(database.schema());
        Staging staging = new Staging(sources, database.dataSource(), database.schema());
        registry.bind("staging", staging);
        PassReader reader = new PassReader(ledger, syncState, feed, queries, staging);
        PrivacyStatement statement = PrivacyStatement.load(property(p, "access.privacy-statement-file"), p.resolveProperty("access.privacy-version").orElse(null));
        ConnectionPolicies policies = new ConnectionPolicies(jdbc, connections.names(), statement, ledger::cancelActive);
        if (!property(p, "access.record-consent-as").isEmpty()) {
            policies.recordConsentAs(property(p, "access.record-consent-as"));
        }
        policies.logWaiting();
        registry.bind("connectionPolicies", policies);
        registry.bind("admission", new RunAdmission(exports, ledger, locks, policies));
        registry.bind("reader", reader);
        registry.bind("importer", new BatchImporter(ledger, syncState, tracker, reader, outage));
        registry.bind("tracker", tracker);
        registry.bind("runs", runs);
        Path exportsDir = Path.of(property(p, "exports.dir"));
        ExportFiles files = new ExportFiles(exportsDir, context, exports,
                declared -> new ExportParameters(declared, connections.names(), sources.names(), rowMaxBytes, textMaxChars), runs::activeRun, millis(p, "exports.recheck-period"));
        registry.bind("exportFiles", files);
        ReadinessChecks.register(context, database.dataSource(), connections, breakerState(context), files::errors);
        registry.bind("reports", new RunReports(exports, files, ledger, runs, millis(p, "api.run-wait")));
        registry.bind("removals", new RunRemovals(ledger));
        registry.bind("reconciliation", new Reconciliation(jdbc, exports));
        ChangeTrigger changes = new ChangeTrigger(property(p, "db.url"), property(p, "db.user"), property(p, "db.password"), property(p, "notify.channel"),
                millis(p, "notify.debounce"), exports, jdbc);
        closeOnStop(context, changes);
        registry.bind("changes", changes);
        stopInOrder(context, changes, runs, Duration.ofSeconds(Math.max(1, integer(p, "camel.main.shutdown-timeout") - 5)));
        registry.bind("alerts", new Alerts(jdbc, exports, new AlertRules(AlertRules.percent(property(p, "alerts.rejected-percent")),
                AlertRules.duration("alerts.runtime", property(p, "alerts.runtime")), AlertRules.duration("alerts.brake-wait", property(p, "alerts.brake-wait")),
                AlertRules.duration("alerts.stale", property(p, "alerts.stale")), false)));
        registry.bind("preview", new Preview(exports, rowMapper, syncState, database.exportDataSource(), queries, staging));
        Users users = new Users(jdbc, token);
        AuditLog audit = new AuditLog(jdbc);
        closeOnStop(context, audit);
        registry.bind("users", users);
        registry.bind("audit", audit);
        registry.bind("apiAuth", new ApiAuth(exports, policies));
        ApiGate.install(context, integer(p, "camel.server.port"), new ApiGate(users, audit, integer(p, "api.max-body-bytes")));
        registry.bind("apiErrors", new ApiErrors());

        LOG.info("Brevo segment sync {} ({}): database {} (schema {}), sources {}, exports from {} (read every {} ms), Brevo connections {} at {}, "
                + "API on port {}", Application.version(), property(p, "server.profile"), database.location(), database.schema(),
                sources.names().stream().map(name -> name + " at " + sources.location(name)).toList(), files.directory(), property(p, "exports.reload-period"),
                connections.names(), connections.names().stream().map(connections::baseUrl).distinct().toList(), property(p, "camel.server.port"));
    }

    /** The state of the circuit breaker in front of Brevo (brevo-call's brevo-breaker), once the routes are there. */
    private static java.util.function.Supplier<String> breakerState(CamelContext context) {
        return () -> {
            ResilienceProcessor breaker = context.getProcessor("brevo-breaker", ResilienceProcessor.class);
            return breaker == null ? "DISABLED" : breaker.getCircuitBreakerState();
        };
    }

    /**
     * The HTTP server binds after the beans are made and only warns when the port is taken (the server would run on
     * without its API): so the port is tried here first.
     */
    private static void checkPortFree(PropertiesComponent p) {
        if (!Boolean.parseBoolean(p.resolveProperty("camel.server.enabled").orElse("false"))) {
            return;
        }
        String host = p.resolveProperty("camel.server.host").orElse("0.0.0.0");
        int port = integer(p, "camel.server.port");
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new StartupFailure("HTTP port " + port + " on " + host + " cannot be used (" + e.getMessage()
                    + "): stop what uses it, or set SERVER_PORT to another port");
        }
    }

    /**
     * A graceful stop (SIGTERM) in order: no more fires on this node (the cluster's other nodes take them) and no more
     * data-change runs, the runs in progress stop after their batch in flight and close their ledger; then Camel
     * stops the routes, and the services last: the database pool closes after everything that uses it.
     */
    private static void stopInOrder(CamelContext context, ChangeTrigger changes, RunControl runs, Duration runsWait) {
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext stopping) {
                try {
                    if (stopping.hasComponent("quartz") instanceof QuartzComponent quartz && quartz.getScheduler() != null) {
                        quartz.getScheduler().standby();
                    }
                    changes.close();
                } catch (Exception e) {
                    LOG.warn("Stopping the triggers: {}", e.getMessage());
                }
                runs.stopAll(runsWait);
            }
        });
    }

    private static void closeOnStop(CamelContext context, AutoCloseable resource) throws Exception {
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                resource.close();
            }
        });
    }

    /** This server's name among the nodes sharing the database: server.node, else host name and process id. */
    static String nodeName(PropertiesComponent p) {
        String node = property(p, "server.node");
        if (!node.isEmpty()) {
            return node;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        } catch (java.net.UnknownHostException e) {
            return "node-" + ProcessHandle.current().pid();
        }
    }

    /** A setting of application.properties (where every one has its default), trimmed; "" when set to nothing. */
    private static String property(PropertiesComponent p, String key) {
        return p.resolveProperty(key).map(String::trim)
                .orElseThrow(() -> new StartupFailure("The setting " + key + " is missing: application.properties has lost it"));
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(PropertiesComponent p, String key) {
        String value = property(p, key);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StartupFailure("The setting " + key + " must be a whole number, got '" + value + "'");
        }
    }

    private static Duration millis(PropertiesComponent p, String key) {
        return Duration.ofMillis(integer(p, key));
    }
}
