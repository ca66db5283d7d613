package io.brevosync.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upgrade from an installation before the server had a schema of its own (up to 2026-12: its tables in public,
 * beside the demo's profile, segment and segment_member): its tables, sequence and functions move into the schema, in
 * one transaction, the first time a newer server starts on it. profile, segment and segment_member stay where they
 * are, with their data and their change-feed triggers, as the customer's tables they had become.
 */
final class SchemaMove {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMove.class);

    /** The server's tables as the migrations up to V16 made them (Quartz's included). */
    private static final List<String> TABLES = List.of("flyway_schema_history", "export_run", "export_batch", "export_row", "sync_state", "pending_unlink",
            "list_snapshot", "api_user", "api_token", "connection_policy", "audit_log", "alert_state", "brevo_budget", "profile_change", "export_feed",
            "sync_state_count", "qrtz_job_details", "qrtz_triggers", "qrtz_simple_triggers", "qrtz_cron_triggers", "qrtz_simprop_triggers",
            "qrtz_blob_triggers", "qrtz_calendars", "qrtz_paused_trigger_grps", "qrtz_fired_triggers", "qrtz_scheduler_state", "qrtz_locks");
    private static final List<String> FUNCTIONS = List.of("audit_log_append_only", "profile_changed", "run_chain", "run_rejections", "sync_state_counted");

    private final DataSource dataSource;
    private final String schema;

    SchemaMove(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /**
     * Moves an installation in public into the schema, if there is one and the schema has no tables of the server yet;
     * answers whether it did. Several servers starting at once: the first moves, the others find it done.
     */
    boolean fromPublic() throws SQLException {
        if (schema.equals("public")) {
            return false;
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            try {
                if (!ours(c, "public") || ours(c, schema)) {
                    return false;
                }
                s.execute("lock table public.flyway_schema_history");
                if (!ours(c, "public")) {
                    return false;
                }
                s.execute("create schema if not exists " + schema);
                List<String> moved = new ArrayList<>();
                for (String table : TABLES) {
                    if (exists(c, "select to_regclass(?) is not null", "public." + table)) {
                        s.execute("alter table public." + table + " set schema " + schema);
                        moved.add(table);
                    }
                }
                if (exists(c, "select to_regclass('public.list_snapshot_id') is not null")) {
                    s.execute("alter sequence public.list_snapshot_id set schema " + schema);
                }
                try (PreparedStatement functions = c.prepareStatement(
                        "select p.oid::regprocedure::text from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname = any(?)")) {
                    functions.setArray(1, c.createArrayOf("text", FUNCTIONS.toArray()));
                    List<String> signatures = new ArrayList<>();
                    try (ResultSet rs = functions.executeQuery()) {
                        while (rs.next()) {
                            signatures.add(rs.getString(1));
                        }
                    }
                    for (String signature : signatures) {
                        s.execute("alter function public." + signature.replaceFirst("^public\\.", "") + " set schema " + schema);
                    }
                }
                c.commit();
                LOG.warn("Upgrade: the server's {} tables moved from schema public into schema {} (db.schema); the customer's tables in public, "
                        + "profile, segment and segment_member included, are left as they are (docs/your-database.md \"Upgrading\")", moved.size(), schema);
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Whether the schema holds the server's migration history (its V2, the ledger, among the applied). */
    private static boolean ours(Connection c, String namespace) throws SQLException {
        return exists(c, "select to_regclass(?) is not null", namespace + ".flyway_schema_history")
                && exists(c, "select exists (select 1 from " + namespace + ".flyway_schema_history where version = '2' and description = 'ledger')");
    }

    private static boolean exists(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
