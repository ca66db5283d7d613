package io.brevosync.sync;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.db.Jdbc;
import io.brevosync.db.Sources;
import io.brevosync.export.ExportDefinition;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * The change feed (profile_change, written by statement triggers on the tables an export reads, which a DBA installs
 * with {@link FeedCommand}): which profiles changed since an export's last complete run, so that a rerun compares
 * those profiles with its sync state ({@link SyncQuery#changed}) instead of every profile in its segments.
 *
 * <p>A run starts from where its export's last complete run began: the oldest transaction still open then
 * (pg_snapshot_xmin), so a change committed while that run read is taken again, never missed. It compares the profiles
 * the feed names since, the rows its sync state has not delivered (failed, to send again), and the last run's rejected
 * rows (its own and those standing for it) of profiles the state still holds; the last run's other rejections stand for
 * this run too, without being read or recorded again (RowLedger#standRejections), as a full comparison would reject
 * them again. Everything is compared instead on a first run, a full resync, a new mapping or list (the fingerprint),
 * after a truncate or a segment renamed, when the last complete run left the ledger, a day after the last full
 * comparison (exports.full-compare-after: what the triggers could not see is sent within it), when the feed does not
 * cover the export ({@link #uncovered}), or when the feed names more than a twentieth of the state: from there on the
 * full comparison is the cheaper one.
 */
public final class ChangeFeed {

    /** A query on these changes its rows by itself, with no change in a table. */
    private static final Pattern CLOCK = Pattern.compile("(?i)\\b(now|current_date|current_time|current_timestamp|localtime|localtimestamp|"
            + "clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|random)\\b");
    /** Fewer than this many profiles are always compared through the feed. */
    private static final int SMALL = 10_000;

    /**
     * What a run compares: from which transaction it read the feed (its position once the run completes), the
     * profile ids to compare, or null: every profile, and the export's last complete run (whose rejections stand).
     */
    /** @param fed whether the feed covers the export's tables now: a position is only kept while it does */
    public record Scope(String since, String[] profileIds, long lastRun, String note, boolean fed) {
        public boolean everything() {
            return profileIds == null;
        }
    }

    private final Jdbc db;
    private final Sources sources;
    private final String schema;
    private final Duration fullCompareAfter;

    /**
     * @param schema the schema of the server's tables, whose profile_changed() the feed's triggers call
     * @param fullCompareAfter exports.full-compare-after: how long since the last comparison of every profile a run
     *     may still compare only what the feed names
     */
    public ChangeFeed(Jdbc db, Sources sources, String schema, Duration fullCompareAfter) {
        this.db = db;
        this.sources = sources;
        this.schema = schema;
        this.fullCompareAfter = fullCompareAfter;
    }

    /**
     * What the run of the export compares: the feed's profiles, or every profile. Taken before its query, so the
     * position it records is no later than what the query sees.
     *
     * @param stateRows the export's sync state rows; 0 (nothing delivered, or a full resync) compares every profile
     */
    public Scope open(ExportDefinition export, long stateRows, String profileIdType) throws SQLException {
        String since = (String) db.queryOne("select pg_snapshot_xmin(pg_current_snapshot())::text as since").orElseThrow().get("since");
        String uncovered = uncovered(export, profileIdType);
        if (uncovered != null) {
            return new Scope(since, null, 0, "every profile compared: " + uncovered, false);
        }
        Optional<Map<String, Object>> position = stateRows == 0 ? Optional.empty() : db.queryOne("""
                select f.since::text as since, f.run_id, f.fingerprint = ? and f.compared_all > now() - make_interval(secs => ?) as current,
                       exists (select 1 from profile_change c where c.xid >= f.since and c.profile_id is null) as everything
                from export_feed f join export_run r on r.id = f.run_id where f.export_id = ?""", export.fingerprint(),
                fullCompareAfter.toMillis() / 1000.0, export.id());
        if (position.isEmpty() || !(Boolean) position.get().get("current") || (Boolean) position.get().get("everything")) {
            return new Scope(since, null, 0, "every profile compared; the change feed is used from the next run", true);
        }
        long lastRun = ((Number) position.get().get("runId")).longValue();
        Array ids = (Array) db.queryOne("""
                select array(
                    select profile_id from profile_change where xid >= ?::xid8
                    union select profile_id::bigint from sync_state where export_id = ? and (hash is null and refused is null or failures > 0)
                      and profile_id ~ '^-?[0-9]{1,18}$'
                    union select r.profile_id::bigint from run_rejections(?) r join sync_state s on s.export_id = ? and s.profile_id = r.profile_id
                      where r.in_state and r.profile_id ~ '^-?[0-9]{1,18}$')::text[] as ids""",
                position.get().get("since"), export.id(), lastRun, export.id()).orElseThrow().get("ids");
        String[] profileIds = (String[]) ids.getArray();
        return profileIds.length > Math.max(SMALL, stateRows / 20) ? new Scope(since, null, 0, "every profile compared: the change feed names too many", true)
                : new Scope(since, profileIds, lastRun, "the change feed named " + profileIds.length + " profiles", true);
    }

    /**
     * Why the feed cannot name every change of the export's rows, or null when it can and a run may compare only those:
     * its rows are read on the server's database, not the clock, its profile ids are whole numbers as the feed's are,
     * every table its plan reads has the feed's triggers (feed install), its key is found by an index and its address
     * by an index on the address key.
     */
    public String uncovered(ExportDefinition export, String profileIdType) throws SQLException {
        if (!export.source().name().isEmpty()) {
            return "source '" + export.source().name() + "' is another database, which has no change feed";
        }
        if (!SyncQuery.streamsFirstRun(profileIdType)) {
            return "the profile key is not a whole number (" + profileIdType + ")";
        }
        if (CLOCK.matcher(export.query()).find()) {
            return "the query reads the clock";
        }
        List<String> bare = withoutFeed(tablesRead(sources.reader(export.source()), SyncQuery.columns(export)));
        if (!bare.isEmpty()) {
            return "no change-feed triggers on " + bare + " (docs/your-database.md: feed install --export " + export.id() + ")";
        }
        // an index finds an address (SyncQuery#changed): planned with neither whole reads nor nested loops allowed,
        // the look-up shows the key in an index condition only if some index has it, however small the tables are;
        // and the key is found by one look-up per id (not one read each)
        if (!anyNode(plan(export, SyncQuery.addressLookup(export), "set local enable_seqscan = off; set local enable_nestloop = off"),
                node -> node.path("Index Cond").asText().startsWith(KEY_COND))) {
            return "no index finds a profile by its address key (feed install --email)";
        }
        if (!anyNode(plan(export, SyncQuery.idLookup(export), "set local enable_seqscan = off"), node -> ID_COND.matcher(node.path("Index Cond").asText()).matches())) {
            return "no index finds a profile by its key";
        }
        return null;
    }

    /** The tables (schema.name) with no trigger calling the feed's function. */
    private List<String> withoutFeed(Set<String> tables) throws SQLException {
        Array bare = (Array) db.queryOne("""
                select array(select t from unnest(?::text[]) with ordinality as u (t, n) where not exists (select 1 from pg_trigger g
                    where g.tgrelid = to_regclass(t) and g.tgfoid = to_regprocedure(format('%I.profile_changed()', ?::text))) order by n) as bare""",
                tables.toArray(new String[0]), schema).orElseThrow().get("bare");
        return List.of((String[]) bare.getArray());
    }

    /** The tables a statement reads (schema.name, quoted where a name needs it), as its plan on the reader names them. */
    static Set<String> tablesRead(DataSource reader, SyncQuery.Statement statement) throws SQLException {
        Set<String> tables = new LinkedHashSet<>();
        anyNode(plan(reader, statement, "", true), node -> {
            if (node.has("Relation Name")) {
                tables.add(quoted(node.path("Schema").asText()) + "." + quoted(node.get("Relation Name").asText()));
            }
            return false;
        });
        return tables;
    }

    private static String quoted(String name) {
        return name.matches("[a-z_][a-z0-9_]*") ? name : '"' + name.replace("\"", "\"\"") + '"';
    }

    /** An index condition on the address key, as EXPLAIN writes it. */
    private static final String KEY_COND = "((NULLIF(lower(btrim(";

    /** The index condition of {@link SyncQuery#idLookup} on the key of the profiles' table. */
    private static final Pattern ID_COND = Pattern.compile("\\(\\w+ = " + SyncQuery.ID_LOOKUP_ALIAS + "\\.id\\)");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether a node of the plan (EXPLAIN FORMAT JSON), or any below it, passes the test. */
    private static boolean anyNode(JsonNode plan, Predicate<JsonNode> test) {
        if (test.test(plan)) {
            return true;
        }
        for (JsonNode child : plan) { // an array's elements, an object's values: every node below
            if (anyNode(child, test)) {
                return true;
            }
        }
        return false;
    }

    /** The statement's plan (EXPLAIN FORMAT JSON), on the export's source, with these planner settings for its transaction. */
    private JsonNode plan(ExportDefinition export, SyncQuery.Statement statement, String settings) throws SQLException {
        return plan(sources.reader(export.source()), statement, settings, false);
    }

    /** The statement's plan (EXPLAIN FORMAT JSON, verbose: with each table's schema) on the reader, with these planner settings. */
    private static JsonNode plan(DataSource reader, SyncQuery.Statement statement, String settings, boolean verbose) throws SQLException {
        try (Connection c = reader.getConnection()) {
            try (Statement set = c.createStatement()) {
                if (!settings.isEmpty()) {
                    set.execute(settings);
                }
                try (PreparedStatement s = Jdbc.prepare(c, "explain (format json" + (verbose ? ", verbose" : "") + ") " + statement.sql(),
                        statement.parameters().toArray());
                        ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return JSON.readTree(rs.getString(1));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("EXPLAIN answered no JSON", e);
                }
            } finally {
                c.rollback();
            }
        }
    }

    /**
     * The run has ended (its summary): if it completed (succeeded, with rejections or not), the export's next run reads
     * the feed from where this one began; otherwise from where it would have, and takes this run's changes again.
     */
    public void covered(@Body Map<String, Object> summary, @ExchangeProperty("export") ExportDefinition export, @ExchangeProperty("feedScope") Scope scope)
            throws SQLException {
        if (scope == null || !String.valueOf(summary.get("status")).startsWith("succeeded")) {
            return;
        }
        if (!scope.fed()) {
            // changes made while the triggers were not there are in no feed: the run after they come compares everything
            db.update("delete from export_feed where export_id = ?", export.id());
            return;
        }
        db.update("""
                insert into export_feed (export_id, fingerprint, since, run_id) values (?, ?, ?::xid8, ?)
                on conflict (export_id) do update set fingerprint = excluded.fingerprint, since = excluded.since, run_id = excluded.run_id,
                    compared_all = case when ? then now() else export_feed.compared_all end, updated_at = now()""",
                export.id(), export.fingerprint(), scope.since(), ((Number) summary.get("id")).longValue(), scope.everything());
    }

    /**
     * Drops what no export reads any more: positions whose run has left the ledger (their export compares everything
     * next), then the feed before the oldest position (all of it when no export has one).
     */
    public int trim() throws SQLException {
        db.update("delete from export_feed f where not exists (select 1 from export_run r where r.id = f.run_id)");
        return db.update("""
                delete from profile_change where xid < coalesce((select since from export_feed order by since limit 1), pg_snapshot_xmin(pg_current_snapshot()))""");
    }
}
