package io.brevosync.access;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.Refusal;
import io.brevosync.db.Jdbc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The governance of each Brevo connection, an admin's object as in Dynamics 365's Sendinblue export: a display name,
 * who may use it (roles and users; admins only by default), whether viewers may see the personal data it sends, the
 * data-privacy consent (who agreed, when, to which version of the {@link PrivacyStatement}) and an enabled switch. A
 * connection without the consent to the statement in force, or disabled, runs nothing. Its API key stays where it is: the environment or a
 * secret file (BrevoConnections), never here.
 */
public final class ConnectionPolicies {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPolicies.class);

    private final Jdbc db;
    private final PrivacyStatement statement;
    private final String privacyVersion;
    /** Stops the active runs of a connection: they end after their batch in flight. */
    public interface RunStopper {
        void stop(String connection, String reason) throws SQLException;
    }

    private final RunStopper stopRuns;

    public ConnectionPolicies(Jdbc db, Collection<String> connections, PrivacyStatement statement, RunStopper stopRuns) throws SQLException {
        this.db = db;
        this.statement = statement;
        this.privacyVersion = statement.version();
        this.stopRuns = stopRuns;
        for (String name : connections) {
            db.update("insert into connection_policy (name, display_name) values (?, ?) on conflict do nothing", name, name);
        }
    }

    /** Every connection with its rules and whether it may run now. */
    public List<Map<String, Object>> list() throws SQLException {
        List<Map<String, Object>> rows = db.query("select * from connection_policy order by name");
        rows.forEach(this::describe);
        return rows;
    }

    /** PUT /api/connections/{name}: displayName, roles, users, viewersSeePersonalData, enabled (each optional). */
    public Map<String, Object> update(String name, Map<String, Object> changes, Caller by) throws SQLException {
        Map<String, Object> current = row(name);
        for (String key : changes.keySet()) {
            if (!List.of("displayName", "roles", "users", "viewersSeePersonalData", "enabled").contains(key)) {
                throw new Refusal.Invalid("unknown field '" + key + "': a connection has displayName, roles, users, viewersSeePersonalData, enabled");
            }
        }
        String roles = String.join(",", names(changes.getOrDefault("roles", current.get("roles")), "roles"));
        names(roles, "roles").forEach(Role::of);
        String users = String.join(",", names(changes.getOrDefault("users", current.get("users")), "users"));
        boolean enabled = bool(changes.getOrDefault("enabled", current.get("enabled")), "enabled");
        db.update("update connection_policy set display_name = ?, roles = ?, users = ?, viewers_see_personal_data = ?, enabled = ?, updated_at = now(), "
                + "updated_by = ? where name = ?", String.valueOf(changes.getOrDefault("displayName", current.get("displayName"))), roles, users,
                bool(changes.getOrDefault("viewersSeePersonalData", current.get("viewersSeePersonalData")), "viewersSeePersonalData"), enabled,
                by.name(), name);
        if (!enabled && Boolean.TRUE.equals(current.get("enabled"))) {
            stopRuns.stop(name, "connection '" + name + "' disabled by " + by.name());
        }
        return describe(row(name));
    }

    /**
     * GET /api/connections/{name}/consent: the data-privacy statement in force (version and text) and the connection's
     * recorded consent (by, at, version; null when none), with whether it is to the version in force.
     */
    public Map<String, Object> statement(String name) throws SQLException {
        Map<String, Object> row = row(name);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("connection", name);
        answer.put("version", privacyVersion);
        answer.put("statement", statement.text());
        Map<String, Object> consent = null;
        if (row.get("consentVersion") != null) {
            consent = new LinkedHashMap<>();
            consent.put("by", row.get("consentBy"));
            consent.put("at", row.get("consentAt"));
            consent.put("version", row.get("consentVersion"));
        }
        answer.put("consent", consent);
        answer.put("agreed", privacyVersion.equals(row.get("consentVersion")));
        return answer;
    }

    /** At start-up: one line naming the connections whose exports wait for a consent to the statement in force. */
    public void logWaiting() throws SQLException {
        List<String> waiting = waiting();
        if (!waiting.isEmpty()) {
            LOG.warn("Connection(s) {} wait for an admin's consent to the data-privacy statement version {} ({}): their exports run nothing until "
                    + "then; read it with GET /api/connections/<name>/consent, agree with POST", waiting, privacyVersion, statement.source());
        }
    }

    /** The connections without a consent to the statement in force, by name. */
    private List<String> waiting() throws SQLException {
        return db.query("select name from connection_policy where consent_version is distinct from ? order by name", privacyVersion).stream()
                .map(r -> (String) r.get("name")).toList();
    }

    /** POST /api/connections/{name}/consent: an admin agrees to the data-privacy statement in its current version. */
    public Map<String, Object> consent(String name, Map<String, Object> body, Caller by) throws SQLException {
        row(name);
        if (!Boolean.TRUE.equals(body.get("agree"))) {
            throw new Refusal.Invalid("the consent needs \"agree\": true, after reading the data-privacy statement version " + privacyVersion);
        }
        Object version = body.getOrDefault("version", privacyVersion);
        if (!privacyVersion.equals(String.valueOf(version))) {
            throw new Refusal.Invalid("the data-privacy statement in force is version " + privacyVersion + ", not " + version);
        }
        record(name, by.name());
        return describe(row(name));
    }

    /** At start-up, where access.record-consent-as is set (the demo, the tests): the consent is recorded in that name. */
    public void recordConsentAs(String by) throws SQLException {
        for (String name : waiting()) {
            record(name, by);
            LOG.warn("Connection '{}': the data-privacy consent (version {}) was recorded automatically as '{}' (access.record-consent-as); "
                    + "in production an admin records it with POST /api/connections/{}/consent", name, privacyVersion, by, name);
        }
    }

    /** A run of an export on this connection may start: the consent to the current text is recorded and it is enabled. */
    public void checkRunnable(String name) throws SQLException {
        Map<String, Object> row = row(name);
        if (!Boolean.TRUE.equals(row.get("enabled"))) {
            throw new Refusal.Conflict("connection '" + name + "' is disabled (PUT /api/connections/" + name + " with \"enabled\": true, admins only)");
        }
        if (!privacyVersion.equals(row.get("consentVersion"))) {
            throw new Refusal.Conflict("connection '" + name + "' has no recorded data-privacy consent" + (row.get("consentVersion") == null ? ""
                    : " to the current statement (version " + privacyVersion + ", agreed: " + row.get("consentVersion") + ")")
                    + ": an admin records it with POST /api/connections/" + name + "/consent");
        }
    }

    /** The caller may run exports of this connection (operators: where its roles or users name them). */
    public void checkUse(Caller caller, String name) throws SQLException {
        Map<String, Object> row = row(name);
        if (!mayUse(caller, row)) {
            throw new Refusal.Forbidden("connection '" + name + "' may be used by the roles [" + row.get("roles") + "] and the users ["
                    + row.get("users") + "]; " + caller.role().code() + " '" + caller.name() + "' is neither (an admin changes it with PUT /api/connections/" + name + ")");
        }
    }

    /** The caller may see the personal data of this connection's exports (rows, payloads). */
    public void checkPersonalData(Caller caller, String name) throws SQLException {
        Map<String, Object> row = row(name);
        boolean allowed = caller.role() == Role.VIEWER ? Boolean.TRUE.equals(row.get("viewersSeePersonalData")) : mayUse(caller, row);
        if (!allowed) {
            throw new Refusal.Forbidden("the personal data of connection '" + name + "' is shown to admins, to whom may use it"
                    + (caller.role() == Role.VIEWER ? " and to viewers only with viewersSeePersonalData" : "") + "; not to " + caller.role().code() + " '" + caller.name() + "'");
        }
    }

    private static boolean mayUse(Caller caller, Map<String, Object> row) {
        return caller.role() == Role.ADMIN || caller.role() == Role.OPERATOR && (names(row.get("roles"), "roles").contains(caller.role().code())
                || names(row.get("users"), "users").contains(caller.name()));
    }

    private void record(String name, String by) throws SQLException {
        db.update("update connection_policy set consent_by = ?, consent_at = now(), consent_version = ?, updated_at = now(), updated_by = ? where name = ?",
                by, privacyVersion, by, name);
    }

    private Map<String, Object> row(String name) throws SQLException {
        return db.queryOne("select * from connection_policy where name = ?", name)
                .orElseThrow(() -> new Refusal.NotFound("no connection '" + name + "' (brevo.connections)"));
    }

    private Map<String, Object> describe(Map<String, Object> row) {
        row.put("roles", names(row.get("roles"), "roles"));
        row.put("users", names(row.get("users"), "users"));
        row.put("privacyVersion", privacyVersion);
        row.put("runnable", Boolean.TRUE.equals(row.get("enabled")) && privacyVersion.equals(row.get("consentVersion")));
        return row;
    }

    private static List<String> names(Object value, String field) {
        if (value instanceof Collection<?> list) {
            return list.stream().map(String::valueOf).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        if (value instanceof String text) {
            return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        throw new Refusal.Invalid(field + " must be a list of names");
    }

    private static boolean bool(Object value, String field) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new Refusal.Invalid(field + " must be true or false");
    }
}
