package io.brevosync.sync;

/**
 * Wraps an export's query so PostgreSQL, not the JVM, finds what changed: the query's rows are full-joined on
 * profile_id with the export's sync state, and only rows that are new, changed or gone come out. Unchanged profiles
 * never leave the database, so a run where little changed reads little.
 *
 * <p>A row's hash is a 64-bit hash (PostgreSQL's hashtextextended: several times cheaper than md5, and a collision
 * among a million rows has a chance of about 1 in 30 million) of the export's fingerprint (list, mapping) and the
 * whole source row, so a change of any returned column, or of the export's mapping, sends the profile again. The added columns are named sync_* and row_hash;
 * an export's own query should not use those names.
 */
public final class SyncQuery {

    public static final String PROFILE_ID = "sync_profile_id";
    public static final String EMAIL = "sync_email";
    public static final String HASH = "sync_hash";
    public static final String FAILURES = "sync_failures";
    public static final String FAILED_HASH = "sync_failed_hash";
    public static final String LAST_ERROR = "sync_last_error";
    public static final String ROW_HASH = "row_hash";

    private SyncQuery() {
    }

    /**
     * The wrapped SQL. Its positional parameters, in order: the export's fingerprint, the query's own parameters, the
     * export id, whether to send unchanged rows too (a full resync), and twice the profile ids to read (empty: all).
     */
    public static String wrap(String query) {
        return """
                select d.* from (
                  select q.*, s.profile_id as sync_profile_id, s.email as sync_email, s.hash as sync_hash, s.failures as sync_failures,
                         s.failed_hash as sync_failed_hash, s.last_error as sync_last_error, hashtextextended(?::text || q::text, 0) as row_hash
                  from (%s) q
                  full join (select profile_id, email, hash, failures, failed_hash, last_error from sync_state where export_id = ?) s
                    on s.profile_id = q.profile_id::text
                ) d
                where (?::boolean or d.profile_id is null or d.sync_hash is distinct from d.row_hash)
                  and (cardinality(?::text[]) = 0 or d.profile_id::text = any(?::text[]))""".formatted(query);
    }
}
