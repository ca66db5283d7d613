package io.brevosync.observe;

import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.brevosync.brevo.BrevoConnections;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * What readiness says besides Camel's own checks (GET /observe/health): the database answers, each Brevo connection
 * can be used (its key not refused, the circuit breaker not open), the exports directory has no invalid file. Liveness
 * stays Camel's: a node whose database is down is not ready, but restarting it would not help.
 */
public final class ReadinessChecks {

    private ReadinessChecks() {
    }

    public static void register(CamelContext context, DataSource database, BrevoConnections connections, Supplier<String> breakerState,
            Supplier<List<Map<String, Object>>> exportErrors) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        registry.register(new Readiness("database", builder -> {
            try (Connection c = database.getConnection()) {
                if (!c.isValid(2)) {
                    builder.down().message("PostgreSQL does not answer");
                }
            } catch (Exception e) {
                builder.down().message("PostgreSQL unreachable: " + e.getMessage());
            }
        }));
        for (String name : connections.names()) {
            registry.register(new Readiness("brevo-" + name, builder -> {
                int status = connections.lastStatus(name);
                builder.detail("last.status", status);
                if (status == 401 || status == 403) {
                    builder.down().message("Brevo refuses the API key of connection '" + name + "' (" + status + ")");
                } else if ("OPEN".equals(breakerState.get())) {
                    builder.down().message("the circuit breaker is open: Brevo failed most recent calls");
                }
            }));
        }
        registry.register(new Readiness("export-files", builder -> {
            List<Map<String, Object>> errors = exportErrors.get();
            if (!errors.isEmpty()) {
                builder.down().message(errors.size() + " invalid export file(s): " + errors.get(0).get("error")).detail("invalid", errors.size());
            }
        }));
    }

    /** A readiness check whose outcome is UP unless its probe says otherwise. */
    private static final class Readiness extends AbstractHealthCheck {
        private final java.util.function.Consumer<HealthCheckResultBuilder> probe;

        Readiness(String id, java.util.function.Consumer<HealthCheckResultBuilder> probe) {
            super("brevo-sync", id);
            this.probe = probe;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.up();
            probe.accept(builder);
        }
    }
}
