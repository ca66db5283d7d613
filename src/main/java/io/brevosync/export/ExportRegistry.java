package io.brevosync.export;

import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.brevosync.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows every export in force ({@link ExportFiles} decides which), and checks what an export needs outside its
 * parameters: its query on its source (the columns it reads, a consent policy where it returns a consent); its
 * attributes in the Brevo account are checked by {@link AccountAttributes}.
 */
public final class ExportRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ExportRegistry.class);

    private final Map<String, ExportDefinition> exports = new ConcurrentHashMap<>();
    private final ColumnsOf columnsOf;

    public ExportRegistry(ColumnsOf columnsOf) {
        this.columnsOf = columnsOf;
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
     * An export's query runs on its source (limit 0) and returns what the export reads: its key, every mapped column,
     * its segments column, and a consent policy where it returns a consent. A query that cannot be read now (a source
     * away, a table made later) does not stop the export: its runs say what fails.
     */
    public void checkQuery(ExportDefinition export) {
        List<String> returned;
        try {
            returned = columnsOf.names(export);
        } catch (SQLException e) {
            // a source away, a table made later: the export is put in force, and its runs say what fails
            LOG.warn("Export {}: its query could not be read on {} ({}); it is put in force unchecked", export.id(), sourceName(export),
                    e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        Set<String> needed = new LinkedHashSet<>();
        needed.add(ExportSource.PROFILE_ID);
        export.mapping().values().forEach(mapped -> needed.add(mapped.column()));
        if (!export.source().segmentsColumn().isEmpty()) {
            needed.add(export.source().segmentsColumn());
        }
        if (!export.quality().consentColumn().isEmpty()) {
            needed.add(export.quality().consentColumn());
        }
        needed.removeAll(returned);
        if (!needed.isEmpty()) {
            throw invalid(export.id(), "its query returns no column " + needed + (needed.contains(ExportSource.PROFILE_ID)
                    ? " (the profile key: name it with profileKey)" : "") + "; it returns " + returned);
        }
        List<String> consentLike = returned.stream().filter(c -> CONSENT_LIKE.matcher(c.toLowerCase()).matches()).toList();
        if (!export.quality().hasConsentPolicy() && !consentLike.isEmpty()) {
            throw invalid(export.id(), "its query returns " + consentLike + ", named like a consent, but the export says no consent policy: set consent: "
                    + consentLike.get(0) + " (rows where it is not true are not sent), or consent: not-required: <why, in a few words>");
        }
    }

    /**
     * A column named like a consent: consent, opt_in / optin / opted_in or gdpr in its name (consent, email_consent,
     * newsletter_opt_in, gdpr_ok...). An export whose query returns one must say its consent policy.
     */
    static final Pattern CONSENT_LIKE = Pattern.compile(".*(consent|opt_?in|opted_?in|gdpr).*");

    private static String sourceName(ExportDefinition export) {
        return export.source().name().isEmpty() ? "the database" : "source '" + export.source().name() + "'";
    }

    /** The names of the columns an export's query returns, asked of its source. */
    public interface ColumnsOf {
        List<String> names(ExportDefinition export) throws SQLException;
    }

    private static IllegalArgumentException invalid(String id, String problem) {
        return ExportParameters.invalid(id, problem);
    }
}
