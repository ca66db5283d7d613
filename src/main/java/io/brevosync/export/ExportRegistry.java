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

import javax.sql.DataSource;

import io.brevosync.Refusal;
import io.brevosync.brevo.BrevoAnswers;

/**
 * Knows every export in force ({@link ExportFiles} decides which), and checks what an export needs outside its
 * parameters: its segments in the database, its attributes in the Brevo account.
 */
public final class ExportRegistry {

    private final Map<String, ExportDefinition> exports = new ConcurrentHashMap<>();
    private final DataSource dataSource;
    private final String defaultQuery;

    /** @param defaultQuery exports.default-query: an export on it needs its segments to exist */
    public ExportRegistry(DataSource dataSource, String defaultQuery) {
        this.dataSource = dataSource;
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

    /**
     * The answer of GET /v3/contacts/attributes against the export's mapping: an attribute the account lacks, or whose
     * type does not take the mapped values, stops the run with a message naming it.
     */
    public void checkAttributes(@org.apache.camel.Body Map<?, ?> answer, @org.apache.camel.ExchangeProperty("export") ExportDefinition export) {
        Map<String, String> types = BrevoAnswers.attributeTypes(answer);
        List<String> problems = new ArrayList<>();
        for (MappedAttribute mapped : export.mapping().values()) {
            String type = types.get(mapped.attribute());
            if (mapped.attribute().equals("EMAIL")) {
                continue;
            }
            if (type == null) {
                problems.add(mapped.attribute() + " does not exist in the Brevo account");
            } else if (!mapped.isPhone() && !mapped.fits(type)) {
                problems.add(mapped.attribute() + " is a " + type + " attribute in Brevo but mapped as " + mapped.type());
            }
        }
        if (!problems.isEmpty()) {
            throw invalid(export.id(), String.join("; ", problems) + " (Brevo would silently drop these values; the account has " + types.keySet()
                    + "; create the attribute in Brevo or fix the mapping)");
        }
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
