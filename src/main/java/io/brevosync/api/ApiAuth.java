package io.brevosync.api;

import java.sql.SQLException;
import java.util.Map;

import io.brevosync.Refusal;
import io.brevosync.access.Caller;
import io.brevosync.access.ConnectionPolicies;
import io.brevosync.access.Role;
import io.brevosync.export.ExportRegistry;
import io.vertx.ext.auth.User;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;
import org.apache.camel.support.ExchangeHelper;

/**
 * Who may call which /api route: one rule per route (the role it needs and, for an export's route, what the export's
 * connection must allow). The caller was authenticated by {@link ApiGate}; a route without a rule is refused.
 */
public final class ApiAuth {

    /** What an export's connection must allow the caller, beyond the role. */
    enum Scope { NONE, USE, PERSONAL_DATA }

    record Rule(Role role, Scope scope) {
    }

    static final Map<String, Rule> RULES = Map.ofEntries(
            Map.entry("api-exports", new Rule(Role.VIEWER, Scope.NONE)),
            Map.entry("api-runs", new Rule(Role.VIEWER, Scope.NONE)),
            Map.entry("api-run", new Rule(Role.VIEWER, Scope.NONE)),
            Map.entry("api-run-rows", new Rule(Role.VIEWER, Scope.PERSONAL_DATA)),
            Map.entry("api-run-rows-csv", new Rule(Role.VIEWER, Scope.PERSONAL_DATA)),
            Map.entry("api-profile", new Rule(Role.VIEWER, Scope.PERSONAL_DATA)),
            Map.entry("api-start-run", new Rule(Role.OPERATOR, Scope.USE)),
            Map.entry("api-cancel-run", new Rule(Role.OPERATOR, Scope.USE)),
            Map.entry("api-confirm-removals", new Rule(Role.OPERATOR, Scope.USE)),
            Map.entry("api-discard-removals", new Rule(Role.OPERATOR, Scope.USE)),
            Map.entry("api-dry-run", new Rule(Role.OPERATOR, Scope.USE)),
            Map.entry("api-reconcile", new Rule(Role.OPERATOR, Scope.USE)),
            Map.entry("api-send-profile", new Rule(Role.OPERATOR, Scope.USE)),
            Map.entry("api-reload-exports", new Rule(Role.ADMIN, Scope.NONE)),
            Map.entry("api-me", new Rule(Role.VIEWER, Scope.NONE)),
            Map.entry("api-users", new Rule(Role.ADMIN, Scope.NONE)),
            Map.entry("api-add-user", new Rule(Role.ADMIN, Scope.NONE)),
            Map.entry("api-add-token", new Rule(Role.ADMIN, Scope.NONE)),
            Map.entry("api-revoke-token", new Rule(Role.ADMIN, Scope.NONE)),
            Map.entry("api-connections", new Rule(Role.VIEWER, Scope.NONE)),
            Map.entry("api-connection-consent", new Rule(Role.VIEWER, Scope.NONE)),
            Map.entry("api-update-connection", new Rule(Role.ADMIN, Scope.NONE)),
            Map.entry("api-consent", new Rule(Role.ADMIN, Scope.NONE)),
            Map.entry("api-audit", new Rule(Role.ADMIN, Scope.NONE)));

    private final ExportRegistry exports;
    private final ConnectionPolicies connections;

    public ApiAuth(ExportRegistry exports, ConnectionPolicies connections) {
        this.exports = exports;
        this.connections = connections;
    }

    /** Before each /api route (the api configuration's interceptFrom): the caller as the property caller, or a refusal. */
    public void check(Exchange exchange) throws SQLException {
        if (exchange.getProperty("caller") != null) {
            return; // a route the checked one calls
        }
        User user = exchange.getIn().getHeader(VertxPlatformHttpConstants.AUTHENTICATED_USER, User.class);
        if (user == null) {
            throw new ApiException(401, "unauthorized: send the header Authorization: Bearer <token>");
        }
        Caller caller = new Caller(user.principal().getString("name"), Role.of(user.principal().getString("role")));
        String route = ExchangeHelper.getRouteId(exchange);
        Rule rule = RULES.get(route);
        if (rule == null) {
            throw new Refusal.Forbidden("no access rule for " + route);
        }
        if (!caller.role().atLeast(rule.role())) {
            throw new Refusal.Forbidden(route + " needs the role " + rule.role().code() + " or above; " + caller.name() + " is " + caller.role().code());
        }
        if (rule.scope() != Scope.NONE) {
            String connection = exports.get(exchange.getIn().getHeader("exportId", String.class)).connection();
            if (rule.scope() == Scope.USE) {
                connections.checkUse(caller, connection);
            } else {
                connections.checkPersonalData(caller, connection);
            }
        }
        exchange.setProperty("caller", caller);
        exchange.setProperty("callerName", caller.name());
    }
}
