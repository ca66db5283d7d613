package io.brevosync.sync;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.brevosync.db.Sources;
import io.brevosync.export.ExportDefinition;
import org.apache.camel.ExchangeProperty;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's copy of the rows of an export whose source is another database (a replica): its sync state is in the
 * server's database, and PostgreSQL compares rows with it only where both are, so a run first copies the query's
 * result there (COPY out of the source, straight into COPY in: streamed, in PostgreSQL's own text form, so each value
 * is hashed as its type's value) and then reads it as an export on that database reads its query. The copy is an
 * unlogged table of the server's schema per export, emptied when the run ends: personal data is not kept there.
 */
public final class Staging {

    private static final Logger LOG = LoggerFactory.getLogger(Staging.class);

    private final Sources sources;
    private final DataSource server;
    private final String schema;

    public Staging(Sources sources, DataSource server, String schema) {
        this.sources = sources;
        this.server = server;
        this.schema = schema;
    }

    /** The export as it is read: itself, or reading the copy of its rows for this purpose (run, preview) once it is made. */
    public ExportDefinition staged(ExportDefinition export, String purpose) {
        return export.source().local() ? export : export.readingFrom(export.source().stagedAs(table(export.id(), purpose)));
    }

    /**
     * Copies the export's rows from its source into the server's schema (nothing for an export on the server's own
     * database) and answers the export reading the copy.
     */
    public ExportDefinition stage(ExportDefinition export, String purpose) throws SQLException {
        if (export.source().local()) {
            return export;
        }
        String table = table(export.id(), purpose);
        String query = withSegments(export.source().query(), export.segments());
        long started = System.nanoTime();
        long rows;
        try (Connection from = sources.reader(export.source()).getConnection(); Connection to = server.getConnection()) {
            try (Statement s = from.createStatement()) {
                s.execute("set transaction read only");
            }
            List<String> columns = columns(from, query, to);
            to.setAutoCommit(false);
            try (Statement s = to.createStatement()) {
                s.execute("drop table if exists " + table);
                s.execute("create unlogged table " + table + " (" + String.join(", ", columns) + ")");
                CopyOut out = from.unwrap(PGConnection.class).getCopyAPI().copyOut("copy (" + query + ") to stdout");
                CopyIn in = to.unwrap(PGConnection.class).getCopyAPI().copyIn("copy " + table + " from stdin");
                try {
                    for (byte[] chunk = out.readFromCopy(); chunk != null; chunk = out.readFromCopy()) {
                        in.writeToCopy(chunk, 0, chunk.length);
                    }
                    rows = in.endCopy();
                } finally {
                    if (in.isActive()) {
                        in.cancelCopy();
                    }
                }
                s.execute("analyze " + table);
                to.commit();
            } catch (SQLException e) {
                to.rollback();
                throw e;
            } finally {
                to.setAutoCommit(true);
                from.rollback();
            }
        }
        LOG.info("Export {}: {} rows copied from source '{}' ({}) in {} ms", export.id(), rows, export.source().name(),
                sources.location(export.source().name()), (System.nanoTime() - started) / 1_000_000);
        return staged(export, purpose);
    }

    /** Empties the copy of the export's rows once its run has ended (personal data is not kept where it is not needed). */
    public void release(@ExchangeProperty("export") ExportDefinition export) {
        if (export != null) {
            discard(export, "run");
        }
    }

    /** Drops the copy of the export's rows made for this purpose, if it has one. */
    public void discard(ExportDefinition export, String purpose) {
        if (export.source().name().isEmpty()) {
            return;
        }
        try (Connection c = server.getConnection(); Statement s = c.createStatement()) {
            s.execute("drop table if exists " + table(export.id(), purpose));
        } catch (SQLException e) {
            LOG.warn("Export {}: the copy of its rows could not be dropped ({}); the next run replaces it", export.id(), e.getMessage());
        }
    }

    /** The copy's columns as the source's result has them: each with its type where the server's database has it, else text. */
    private static List<String> columns(Connection from, String query, Connection to) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement s = from.createStatement(); ResultSet rs = s.executeQuery("select * from (" + query + ") q0 limit 0");
                PreparedStatement known = to.prepareStatement("select to_regtype(?)::text")) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                String type = meta.getColumnTypeName(i);
                boolean array = type.startsWith("_");
                known.setString(1, array ? type.substring(1) : type);
                try (ResultSet found = known.executeQuery()) {
                    String resolved = found.next() && found.getString(1) != null ? found.getString(1) : "text";
                    columns.add(quoted(meta.getColumnLabel(i)) + " " + resolved + (array ? "[]" : ""));
                }
            }
        }
        return columns;
    }

    /** The query with :#segments written as a text[] literal: COPY takes no parameters. */
    static String withSegments(String query, List<String> segments) {
        String array = segments.stream().map(s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"').collect(Collectors.joining(",", "{", "}"));
        return query.replace(":#segments", "'" + array.replace("'", "''") + "'::text[]");
    }

    /** The copy's table: one per export and purpose, its name within PostgreSQL's 63 bytes whatever the export id. */
    private String table(String exportId, String purpose) {
        String name = purpose + "_" + exportId;
        if (name.getBytes(StandardCharsets.UTF_8).length > 60) {
            name = name.substring(0, 48) + "_" + Integer.toHexString(exportId.hashCode());
        }
        return schema + "." + quoted("staged_" + name);
    }

    private static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
