package io.brevosync.export;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.brevosync.Refusal;
import io.brevosync.db.Jdbc;
import io.brevosync.sync.SyncQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows every export in force ({@link ExportFiles} decides which), and checks what an export needs outside its
 * parameters in the database: its segments, and a consent policy where its query returns a consent (its attributes
 * in the Brevo account are checked by {@link AccountAttributes}).
 */
public final class ExportRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ExportRegistry.class);
    /**
     * A column named like a consent: consent, opt_in / optin / opted_in or gdpr in its name (consent, email_consent,
     * newsletter_opt_in, gdpr_ok...). An export whose query returns one must say its consent policy.
     */
    static final Pattern CONSENT_LIKE = Pattern.compile(".*(consent|opt_?in|opted_?in|gdpr).*");

    /** A reload waits this long at most for an export's query to describe its columns. */
    private static final int QUERY_TIMEOUT_SECONDS = 10;

    private final Map<String, ExportDefinition> exports = new ConcurrentHashMap<>();
    private final DataSource dataSource;
    private final DataSource exportData;
    private final String defaultQuery;

    /**
     * @param exportData the pool export queries read from (read-only here)
     * @param defaultQuery exports.default-query: an export on it needs its segments to exist
     */
    public ExportRegistry(DataSource dataSource, DataSource exportData, String defaultQuery) {
        this.dataSource = dataSource;
        this.exportData = exportData;
        this.defaultQuery = defaultQuery;
    }

    /** Puts the export in force (replacing the one with its id). */
    void put(ExportDefinition export) {
        exports.put(export.id(), export);
    }

    /** Takes the export out of force. */
    void remove(String exportId) {
        exports.remove(exportId);
    }

    public ExportDefinition get(String exportId) {
        ExportDefinition export = exports.get(exportId);
        if (export == null) {
            throw new Refusal.NotFound("no export with id '" + exportId + "'");
        }
        return export;
    }

    public Collection<ExportDefinition> all() {
        return exports.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
    }

    /**
     * An export on the default query needs its segments to exist (a typo would export nobody and, with the brake,
     * stop every run); an export with its own query selects its rows itself.
     */
    public void checkSegments(ExportDefinition export) {
        if (export.query().equals(defaultQuery.trim())) {
            checkSegmentsExist(export.id(), export.segments());
        }
    }

    /**
     * An export whose query returns a column named like a consent ({@link #CONSENT_LIKE}) must say its consent policy
     * (consent: a column, or not-required: reason), and a consent column must be one its query returns. A query that
     * cannot be read now (the database away, a table made later) does not stop the export: its runs will say.
     */
    public void checkConsent(ExportDefinition export) {
        DataQuality quality = export.quality();
        if (!quality.consentNotRequired().isEmpty()) {
            return;
        }
        List<String> columns = queryColumns(export);
        if (columns == null) {
            return;
        }
        if (quality.hasConsentColumn() && !columns.contains(quality.consentColumn())) {
            throw invalid(export.id(), "consent column '" + quality.consentColumn() + "' is not a column of its query (it returns " + columns + ")");
        }
        List<String> consentLike = columns.stream().filter(c -> CONSENT_LIKE.matcher(c).matches()).toList();
        if (!quality.hasConsentPolicy() && !consentLike.isEmpty()) {
            throw invalid(export.id(), "its query returns " + consentLike + ", named like a consent, but the export says no consent policy: set consent: "
                    + consentLike.get(0) + " (rows where it is not true are not sent), or consent: not-required: <why, in a few words>");
        }
    }

    /**
     * The column names (lower-case) of the export's query, read with no row from the pool export queries read from;
     * null, with a warning, when it cannot be read. The one place the reload runs an export's query.
     */
    List<String> queryColumns(ExportDefinition export) {
        SyncQuery.Statement query = SyncQuery.columns(export);
        try (Connection c = exportData.getConnection()) {
            c.setReadOnly(true);
            try (PreparedStatement s = Jdbc.prepare(c, query.sql(), query.parameters().toArray())) {
                s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                try (ResultSet rs = s.executeQuery()) {
                    List<String> columns = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        columns.add(rs.getMetaData().getColumnLabel(i).toLowerCase());
                    }
                    return columns;
                }
            }
        } catch (SQLException e) {
            LOG.warn("Export {}: its query's columns could not be read ({}); its consent policy is checked when the export changes again", export.id(),
                    ExportFiles.oneLine(e.getMessage()));
            return null;
        }
    }

    private void checkSegmentsExist(String id, List<String> segments) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("select name from unnest(?::text[]) as name where name not in (select name from segment)")) {
            Array array = c.createArrayOf("text", segments.toArray());
            s.setArray(1, array);
            List<String> unknown = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    unknown.add(rs.getString(1));
                }
            }
            if (!unknown.isEmpty()) {
                throw invalid(id, "unknown segment(s) " + unknown + "; the segment table has no such name");
            }
        } catch (SQLException e) {
            throw invalid(id, "could not check its segments (" + e.getMessage() + "); checked again at the next reload");
        }
    }

    private static IllegalArgumentException invalid(String id, String problem) {
        return ExportParameters.invalid(id, problem);
    }
}
