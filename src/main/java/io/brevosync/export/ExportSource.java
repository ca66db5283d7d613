package io.brevosync.export;

/**
 * Where an export's rows come from: its query over the customer's own tables, run on the server's database or on a
 * source of its own (another PostgreSQL, often a read-only replica), and what the server needs of its result named
 * rather than assumed: the column holding the profile key and, where membership is a column, that column.
 *
 * @param name the source (sources), or empty: the database of the server's schema
 * @param query SQL over the customer's tables; :#segments, where it appears, is the export's segment names
 * @param profileKey the column of the query that identifies a profile (one row each)
 * @param segmentsColumn an array column of the query naming each profile's segments, or empty: the query selects
 *     its profiles itself (with :#segments or SQL of its own)
 * @param staged true for the server's copy of a remote source's rows (Staging), read on the server's database
 */
public record ExportSource(String name, String query, String profileKey, String segmentsColumn, boolean staged) {

    /** The name of the key column a query returns when it needs no profileKey. */
    public static final String PROFILE_ID = "profile_id";

    /** True when the rows are read on the database of the server's schema (its own source or a staged copy). */
    public boolean local() {
        return name.isEmpty() || staged;
    }

    /** Whether the segment names are a parameter of the rows read: the query names :#segments, or segments are a column. */
    public boolean selectsBySegments() {
        return query.contains(":#segments") || !segmentsColumn.isEmpty();
    }

    /** The same export reading the staged copy of its rows (a table of the server's schema) instead of its source. */
    public ExportSource stagedAs(String table) {
        return new ExportSource(name, "select * from " + table, profileKey, segmentsColumn, true);
    }
}
