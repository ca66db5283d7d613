package io.brevosync.sync;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportSource;
import io.brevosync.export.MappedAttribute;
import io.brevosync.export.Normalise;

/**
 * Wraps an export's query so PostgreSQL, not the JVM, finds what changed: the query's rows are full-joined on
 * profile_id with the export's sync state, and only rows that are new, changed or gone come out. Unchanged profiles
 * never leave the database, so a run where little changed reads little.
 *
 * <p>A row's hash is a 64-bit hash of the whole source row, seeded with the export's fingerprint (list, mapping), so a
 * change of any returned column, or of the export's mapping, sends the profile again (a collision among a million
 * rows has a chance of about 1 in 30 million). PostgreSQL hashes the row's values (hash_record_extended: no text is
 * made of them, ~2.4 s less than hashing the row's text for a million rows) when every column's type has a hash
 * function; a row with a json, xml, geometric… column is hashed as its text. The added columns are named sync_* and
 * row_hash; an export's own query should not use those names.
 */
public final class SyncQuery {

    public static final String PROFILE_ID = "sync_profile_id";
    public static final String EMAIL = "sync_email";
    public static final String HASH = "sync_hash";
    public static final String FAILURES = "sync_failures";
    public static final String FAILED_HASH = "sync_failed_hash";
    public static final String LAST_ERROR = "sync_last_error";
    public static final String ROW_HASH = "row_hash";
    /**
     * The lowest profile id with the row's email (its key: trimmed, lower-case): the one profile that may send it.
     * (A window min, not first_value in id order: the sort is then on the key alone, ~0.8 s less for a million rows.)
     */
    public static final String EMAIL_OWNER = "sync_email_owner";
    /** An SMS number Brevo answered belongs to another contact: left out until the profile's number changes. */
    public static final String SMS_CONFLICT = "sync_sms_conflict";
    /** Brevo's reason for refusing the row as it was (sync_failed_hash): not sent again until it changes. */
    public static final String REFUSED = "sync_refused";

    /**
     * Column types whose values PostgreSQL hashes as they are compared for a change: equal means the same value sent.
     * (Not citext: its hash ignores case, and a change of case is a change to send.) Arrays of them too.
     */
    private static final Set<String> HASHABLE = Set.of("int2", "int4", "int8", "oid", "numeric", "float4", "float8", "bool", "text", "varchar",
            "bpchar", "char", "name", "date", "time", "timestamp", "timestamptz", "interval", "uuid", "jsonb", "bytea");

    /** The wrapped query of an export, with its positional parameters. */
    public record Statement(String sql, List<Object> parameters) {
    }

    /** The export's sync state as the comparison reads it (the export id its parameter), to be narrowed by more conditions. */
    private final String state;

    /** @param schema the schema of the server's tables: the statements run on the export reads' connections, which see the customer's */
    public SyncQuery(String schema) {
        state = "select s.profile_id, s.email, s.hash, s.failures, s.failed_hash, s.last_error, s.sms_conflict, s.refused from " + schema
                + ".sync_state s where s.export_id = ?";
    }

    /**
     * The export's query wrapped, with its parameters: the rows that changed (all with full), or only the given
     * profiles (none given: every profile). Each :#segments of the query becomes one parameter, the segment names.
     */
    public Statement of(ExportDefinition export, boolean full, String[] only, SyncState.Columns columns) {
        Statement query = query(export);
        List<Object> parameters = new ArrayList<>();
        parameters.add(export.fingerprint());
        parameters.addAll(query.parameters());
        parameters.add(export.id());
        parameters.add(full);
        parameters.addAll(Collections.nCopies(3, only));
        return new Statement(wrap(query.sql(), export.emailColumn(), mapsPhones(export), columns.byValue(), streamsFirstRun(columns.profileIdType())),
                parameters);
    }

    private static boolean mapsPhones(ExportDefinition export) {
        return export.mapping().values().stream().anyMatch(MappedAttribute::isPhone);
    }

    /**
     * A rerun's query when the change feed names what changed ({@link ChangeFeed}): {@link #of} over the given profiles
     * and every profile sharing an address with them, now or as last delivered, so each of those addresses finds its
     * owner among all the rows that have it, and rows are hashed as {@link #of} hashes them. The profiles are looked up
     * by id and by address (the indexes of profile), not read all. Only for whole-number profile ids, and only where
     * the primary key finds a profile ({@link #idLookup}) and an index an address ({@link #addressLookup}).
     */
    public Statement changed(ExportDefinition export, String[] profileIds, boolean byValue) {
        Statement query = query(export);
        // the query read twice, by id then by address (shared); the second leaves out the first's rows with one hashed NOT IN;
        // each id and each state row is looked up on its own (lateral), never a whole table read against a list; in id
        // order, the order the tables were mostly written in: from a cold cache 10,000 look-ups took 0.7-0.9 s, against
        // 1.5-4.4 s in the feed's order (PostgreSQL 15, 1,000,000 profiles)
        String scoped = """
                with ids as materialized (select u.id, u.id::text as tid from unnest(?::text[]::bigint[]) as u (id) order by u.id),
                state as materialized (select s.* from ids i cross join lateral (%5$s and s.profile_id = i.tid offset 0) s),
                changed as materialized (%1$s),
                keys as materialized (select %3$s as k from changed c union select %4$s from state s),
                shared as materialized (%2$s and q0.profile_id not in (select profile_id from changed))
                """.formatted(byId(query.sql()), byAddress(query.sql(), export, "array(select k from keys)"), addressKey("c." + export.emailColumn()),
                addressKey("s.email"), state);
        List<Object> parameters = new ArrayList<>();
        parameters.addAll(List.of(profileIds, export.id()));
        parameters.addAll(query.parameters());
        parameters.addAll(query.parameters());
        parameters.addAll(List.of(export.fingerprint(), export.id(), false));
        parameters.addAll(Collections.nCopies(3, new String[0]));
        // the state of the changed profiles, read once, and of those sharing their addresses, each by its key
        return new Statement(scoped + compare("(select * from changed union all select * from shared)", export.emailColumn(), mapsPhones(export), byValue, true,
                "(select * from state union all select s.* from shared h cross join lateral (" + state + " and s.profile_id = h.profile_id::text offset 0) s)"),
                parameters);
    }

    /**
     * The export's rows with the ids of the statement's ids CTE, each looked up on its own (a lateral join), so by the
     * primary key however the planner rates the table: as a filter of the whole query, = any(ids), PostgreSQL read all
     * of profile for 10,000 ids (0.3 s at 1 M) whenever its statistics lagged. {@link #idLookup} is its plan.
     */
    private static String byId(String query) {
        return "select q0.* from ids " + ID_LOOKUP_ALIAS + " cross join lateral (select * from (" + query + ") q0 where q0.profile_id = " + ID_LOOKUP_ALIAS
                + ".id offset 0) q0";
    }

    /** The name of the ids in {@link #byId}, as its plan's index condition shows them. */
    static final String ID_LOOKUP_ALIAS = "sync_ids";

    /** The look-up by id of {@link #changed}, with one id, for ChangeFeed to check that each is found by profile's primary key. */
    public static Statement idLookup(ExportDefinition export) {
        Statement query = query(export);
        return new Statement("with ids as materialized (select 0::bigint as id) " + byId(query.sql()), query.parameters());
    }

    /**
     * The export's rows with one of the addresses (keys) in an array the statement computes. PostgreSQL compares a row
     * with each element of such an array in turn (it hashes only constant arrays), so this is fast only through an
     * index on the key, such as profile_email_key: {@link #addressLookup} is its plan, for ChangeFeed to check.
     */
    private static String byAddress(String query, ExportDefinition export, String keys) {
        return "select q0.* from (" + query + ") q0 where " + addressKey("q0." + export.emailColumn()) + " = any(" + keys + ")";
    }

    /**
     * An address's key as the comparison partitions by it and profile_email_key indexes it (V12__change_feed.sql): the
     * index serves a look-up only where the expression is the same.
     */
    private static String addressKey(String column) {
        return Normalise.emailKeySql(column) + " collate \"C\"";
    }

    /** The look-up by address of {@link #changed}, with one address. */
    public static Statement addressLookup(ExportDefinition export) {
        Statement query = query(export);
        return new Statement(byAddress(query.sql(), export, "array(select ''::text)"), query.parameters());
    }

    /** Profile id types a run can hold as a long (EmailOwners): a first run of their exports streams ({@link #firstRun}). */
    private static final Set<String> WHOLE_NUMBERS = Set.of("int2", "int4", "int8");

    /** Whether a first run of an export whose profile_id has this type (a type name) can use {@link #firstRun}. */
    public static boolean streamsFirstRun(String profileIdType) {
        return WHOLE_NUMBERS.contains(profileIdType);
    }

    /**
     * A first run's query (the export has no sync state, so nothing can be unchanged or gone): the export's rows in
     * profile id order, hashed as {@link #of} hashes every row that is delivered, without the window over the whole
     * segment that finds each address's owner, nor the full join. The run finds the owners itself as the rows come
     * (EmailOwners: in profile id order the first row with an address has the lowest id), so PostgreSQL hands the rows
     * out as it reads them (the default query: by index) instead of after two sorts of every row. A delivered row is
     * its address's owner, so its sync_email_owner is its own id, as the window of a later run gives it; a row refused as
     * a duplicate is never delivered and is compared again by every run. Parameters: the fingerprint, the query's own.
     */
    public static Statement firstRun(ExportDefinition export, boolean byValue) {
        Statement query = query(export);
        List<Object> parameters = new ArrayList<>();
        parameters.add(export.fingerprint());
        parameters.addAll(query.parameters());
        return new Statement("""
                select q.*, null::text as sync_profile_id, null::text as sync_email, null::bigint as sync_hash, null::int as sync_failures,
                       null::bigint as sync_failed_hash, null::text as sync_last_error, null::text as sync_sms_conflict, null::text as sync_refused,
                       %2$s as row_hash
                from (select q0.*, q0.profile_id as sync_email_owner from (%1$s) q0) q
                order by q.profile_id""".formatted(query.sql(), hash(byValue)), parameters);
    }

    /** The export's query returning no row: its result's column types, for {@link #byValue}. */
    public static Statement columns(ExportDefinition export) {
        return columns(export.source(), export.segments());
    }

    /** A query returning no row, as an export with these segments runs it. */
    public static Statement columns(ExportSource source, List<String> segments) {
        Statement query = query(source, segments);
        return new Statement("select * from (" + query.sql() + ") q0 limit 0", query.parameters());
    }

    /** Whether PostgreSQL can hash rows of these column types (type names, arrays as _name) by value. */
    public static boolean byValue(List<String> columnTypes) {
        return columnTypes.stream().allMatch(type -> HASHABLE.contains(type.startsWith("_") ? type.substring(1) : type));
    }

    /** The profile ids of the export's query whose email has the given key (trimmed, lower-case). */
    public static Statement profilesWithEmail(ExportDefinition export, String emailKey) {
        Statement query = query(export);
        List<Object> parameters = new ArrayList<>(query.parameters());
        parameters.add(emailKey);
        return new Statement("select q0.profile_id::text as profile_id from (" + query.sql() + ") q0 where "
                + Normalise.emailKeySql("q0." + export.emailColumn()) + " = ? order by q0.profile_id", parameters);
    }

    /**
     * The export's own query with positional parameters (each :#segments becomes one, the segment names), returning
     * its key as profile_id and, where segments are a column, only the profiles in one of them.
     */
    private static Statement query(ExportDefinition export) {
        return query(export.source(), export.segments());
    }

    private static Statement query(ExportSource source, List<String> segmentNames) {
        String[] segments = segmentNames.toArray(new String[0]);
        String[] parts = source.query().split(":#segments", -1);
        String sql = String.join("?", parts);
        List<Object> parameters = new ArrayList<>(Collections.nCopies(parts.length - 1, segments));
        if (!source.profileKey().equals(ExportSource.PROFILE_ID)) {
            sql = "select k0." + source.profileKey() + " as profile_id, k0.* from (" + sql + ") k0";
        }
        if (!source.segmentsColumn().isEmpty()) {
            sql = "select m0.* from (" + sql + ") m0 where m0." + source.segmentsColumn() + "::text[] && ?::text[]";
            parameters.add(segments);
        }
        return new Statement(sql, parameters);
    }

    /**
     * The wrapped SQL. Its positional parameters, in order: the export's fingerprint, the query's own parameters, the
     * export id, whether to send unchanged rows too (a full resync), and three times the profile ids to read (empty: all).
     * When the export maps a phone number, rows come in profile id order, so the lowest profile id keeps a number two
     * profiles share; that sort waits for the whole query, so an export without phones (no sort) starts sending sooner.
     */
    String wrap(String query, String emailColumn, boolean ordered, boolean byValue, boolean wholeNumbers) {
        return compare("(" + query + ")", emailColumn, ordered, byValue, wholeNumbers, "(" + state + ")");
    }

    /**
     * The comparison of the source's rows (a table or a subquery) with the export's sync state. An address's owner is
     * the lowest profile id, as a number for whole-number ids (as a first run finds it), else as text (uuid has no min).
     */
    private static String compare(String source, String emailColumn, boolean ordered, boolean byValue, boolean wholeNumbers, String state) {
        return """
                select d.* from (
                  select q.*, s.profile_id as sync_profile_id, s.email as sync_email, s.hash as sync_hash, s.failures as sync_failures,
                         s.failed_hash as sync_failed_hash, s.last_error as sync_last_error, s.sms_conflict as sync_sms_conflict, s.refused as sync_refused,
                         %3$s as row_hash
                  from (select q0.*, min(q0.profile_id%5$s) over (partition by %2$s) as sync_email_owner from %1$s q0) q
                  full join %4$s s
                    on s.profile_id = q.profile_id::text
                ) d
                where (?::boolean or d.profile_id is null or d.sync_hash is distinct from d.row_hash)
                  and (cardinality(?::text[]) = 0 or d.profile_id::text = any(?::text[]) or d.sync_profile_id = any(?::text[]))
                """.formatted(source, addressKey("q0." + emailColumn), hash(byValue), state, wholeNumbers ? "" : "::text") + (ordered ? "order by d.profile_id" : "");
    }

    /** The row's hash, seeded with the export's fingerprint (the first parameter). */
    private static String hash(boolean byValue) {
        return byValue ? "hash_record_extended(q, hashtextextended(?::text, 0))" : "hashtextextended(?::text || q::text, 0)";
    }
}
