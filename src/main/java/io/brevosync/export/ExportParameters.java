package io.brevosync.export;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import org.quartz.CronExpression;

/**
 * The contract of an export: the parameters the segment-export template declares (routes/export-run.camel.yaml: each
 * with its description, whether it is required, and its default, often a setting of application.properties), and the
 * one parser from an export's parameters to its {@link ExportDefinition}. Pure: it reads nothing, so every rule is
 * unit-tested without Camel; a parameter that is wrong is an IllegalArgumentException naming the export and the problem.
 */
public final class ExportParameters {

    /** One parameter the template declares. */
    public record Declared(String name, String defaultValue, boolean required) {
    }

    private static final Pattern EXPORT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern ATTRIBUTE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
    private static final Pattern COLUMN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** consent: not-required: reason */
    private static final String NOT_REQUIRED = "not-required";
    /** Brevo takes 10 MB a body and recommends about 8. */
    private static final int BREVO_MAX_BODY = 9_500_000;

    private final Map<String, Declared> declared = new LinkedHashMap<>();
    private final Set<String> connections;
    private final Set<String> sources;
    private final int rowMaxBytes;
    private final int textMaxChars;

    /**
     * @param connections the names of the Brevo connections configured
     * @param sources the names of the sources configured (databases other than the server's)
     * @param rowMaxBytes exports.row-max-bytes: a batch must hold a row of that size
     * @param textMaxChars exports.text-max-chars: the longest text a value may be
     */
    public ExportParameters(List<Declared> parameters, Set<String> connections, Set<String> sources, int rowMaxBytes, int textMaxChars) {
        parameters.forEach(p -> declared.put(p.name(), p));
        this.connections = connections;
        this.sources = sources;
        this.rowMaxBytes = rowMaxBytes;
        this.textMaxChars = textMaxChars;
    }

    /** The given parameters with every one left out or empty taken from its declared default (placeholders still in it). */
    public Map<String, String> withDefaults(Map<String, String> given) {
        Map<String, String> values = new LinkedHashMap<>();
        declared.values().forEach(p -> values.put(p.name(), p.defaultValue() == null ? "" : p.defaultValue()));
        given.forEach((name, value) -> {
            if (value != null && !value.isBlank() || !declared.containsKey(name)) {
                values.put(name, value == null ? "" : value);
            }
        });
        return values;
    }

    /** The export the parameters declare, defaults applied and placeholders resolved (see {@link #withDefaults}). */
    public ExportDefinition parse(Map<String, String> values) {
        Map<String, String> p = new LinkedHashMap<>();
        values.forEach((k, v) -> p.put(k, v == null ? "" : v.trim()));
        String id = p.getOrDefault("exportId", "");
        if (!EXPORT_ID.matcher(id).matches()) {
            throw invalid(id, "exportId must be 1-64 letters, digits, '-' or '_'");
        }
        for (String name : p.keySet()) {
            if (!declared.containsKey(name)) {
                throw invalid(id, "unknown parameter '" + name + "' (known: " + declared.keySet() + ")");
            }
        }
        String connection = p.get("connection");
        if (!connections.contains(connection)) {
            throw invalid(id, "connection '" + connection + "' is not configured (brevo.connections = " + connections + ")");
        }
        long listId = positive(id, "listId", p.get("listId"));
        List<String> segments = Arrays.stream(p.getOrDefault("segments", "").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        ExportSource source = source(id, p);
        if (segments.isEmpty() && source.selectsBySegments()) {
            throw invalid(id, "segments is empty; name one or more segments, comma-separated (the query uses :#segments"
                    + (source.segmentsColumn().isEmpty() ? "" : ", or segmentsColumn is set") + ")");
        }
        Map<String, MappedAttribute> mapping = mapping(id, p.get("mapping"));
        String cron = p.get("cron");
        if (!CronExpression.isValidExpression(cron)) {
            throw invalid(id, "cron '" + cron + "' is not a valid Quartz cron expression (e.g. '0 0 2 * * ?')");
        }
        String timeZone = timeZone(id, p.get("timeZone"));
        int rows = (int) positive(id, "batchMaxRows", p.get("batchMaxRows"));
        int bytes = (int) positive(id, "batchMaxBytes", p.get("batchMaxBytes"));
        if (bytes > BREVO_MAX_BODY) {
            throw invalid(id, "batchMaxBytes " + bytes + " is above what Brevo accepts (10 MB body, about 8 MB recommended)");
        }
        if (bytes < rowMaxBytes + ImportBatch.ENVELOPE_BYTES) {
            throw invalid(id, "batchMaxBytes " + bytes + " cannot hold a row of exports.row-max-bytes (" + rowMaxBytes + ")");
        }
        String exitPolicy = p.get("exitPolicy").toLowerCase();
        if (!Set.of(ExportDefinition.REMOVE, ExportDefinition.KEEP, ExportDefinition.MOVE).contains(exitPolicy)) {
            throw invalid(id, "exitPolicy '" + exitPolicy + "' is not remove, keep or move");
        }
        long exitListId = 0;
        if (exitPolicy.equals(ExportDefinition.MOVE)) {
            exitListId = positive(id, "exitListId (the list 'move' puts leavers in)", p.get("exitListId"));
            if (exitListId == listId) {
                throw invalid(id, "exitListId is the export's own list " + listId);
            }
        } else if (!p.getOrDefault("exitListId", "").isEmpty()) {
            throw invalid(id, "exitListId is only used with exitPolicy move (exitPolicy is " + exitPolicy + ")");
        }
        double maxRemovalPercent = percent(id, p.get("maxRemovalPercent"));
        boolean enabled = Boolean.parseBoolean(choice(id, p, "enabled", "true", "false"));
        String alerts = p.getOrDefault("alerts", "");
        try {
            io.brevosync.observe.AlertRules.check(alerts);
        } catch (IllegalArgumentException e) {
            throw invalid(id, e.getMessage());
        }
        String reconcile = choice(id, p, "reconcile", ExportDefinition.REPORT, ExportDefinition.STRICT);
        String reconcileCron = p.getOrDefault("reconcileCron", "");
        if (!reconcileCron.isEmpty() && !CronExpression.isValidExpression(reconcileCron)) {
            throw invalid(id, "reconcileCron '" + reconcileCron + "' is not a valid Quartz cron expression (e.g. '0 0 4 ? * SUN')");
        }
        return new ExportDefinition(id, connection, listId, segments, mapping, cron, timeZone, enabled, source, rows, bytes, exitPolicy,
                exitListId, maxRemovalPercent, quality(id, p), alerts, reconcile, reconcileCron);
    }

    /** Where the export's rows come from: its query, its source, and the columns named in it. */
    private ExportSource source(String id, Map<String, String> p) {
        String name = p.getOrDefault("source", "");
        if (!name.isEmpty() && !sources.contains(name)) {
            throw invalid(id, "source '" + name + "' is not configured (sources = " + sources + "; empty: the server's own database)");
        }
        String query = p.getOrDefault("query", "");
        if (query.isEmpty()) {
            throw invalid(id, "query is empty: name the SQL that reads your profiles (docs/your-database.md), or set exports.default-query");
        }
        String key = p.getOrDefault("profileKey", ExportSource.PROFILE_ID).toLowerCase();
        if (!COLUMN.matcher(key).matches()) {
            throw invalid(id, "profileKey '" + key + "' is not a column name");
        }
        String segmentsColumn = p.getOrDefault("segmentsColumn", "").toLowerCase();
        if (!segmentsColumn.isEmpty() && !COLUMN.matcher(segmentsColumn).matches()) {
            throw invalid(id, "segmentsColumn '" + segmentsColumn + "' is not a column name");
        }
        return new ExportSource(name, query, key, segmentsColumn, false);
    }

    /** The export's data-quality rules. */
    private DataQuality quality(String id, Map<String, String> p) {
        String region = p.get("phoneRegion").toUpperCase();
        if (!region.isEmpty() && !PhoneNumberUtil.getInstance().getSupportedRegions().contains(region)) {
            throw invalid(id, "phoneRegion '" + region + "' is not a region libphonenumber knows (two letters, ISO 3166: FR, DE, US, GB...)");
        }
        boolean check = Boolean.parseBoolean(choice(id, p, "checkAttributes", "true", "false"));
        boolean create = Boolean.parseBoolean(choice(id, p, "createAttributes", "true", "false"));
        if (create && !check) {
            throw invalid(id, "createAttributes: true needs checkAttributes: true (the check finds the attributes to create)");
        }
        Consent consent = consent(id, p.getOrDefault("consent", ""), p.getOrDefault("consentColumn", ""));
        return new DataQuality(region, choice(id, p, "invalidPhone", DataQuality.DROP, DataQuality.REJECT),
                choice(id, p, "identifierConflict", DataQuality.DROP_SMS, DataQuality.SKIP),
                Boolean.parseBoolean(choice(id, p, "sendBlanks", "true", "false")), choice(id, p, "oversized", DataQuality.TRUNCATE, DataQuality.REJECT),
                textMaxChars, consent.column(), consent.reason(), check, create);
    }

    /**
     * consent: a boolean column of the query, or "not-required: reason" (a reason of a few words, shown with the export
     * and its runs); consentColumn is its former name, a column only.
     */
    private static Consent consent(String id, String consent, String consentColumn) {
        if (!consent.isEmpty() && !consentColumn.isEmpty() && !consent.equalsIgnoreCase(consentColumn)) {
            throw invalid(id, "consent '" + consent + "' and consentColumn '" + consentColumn + "' (its former name) differ; keep consent only");
        }
        if (consent.toLowerCase().startsWith(NOT_REQUIRED)) {
            String reason = consent.substring(NOT_REQUIRED.length()).replaceFirst("^\\s*:", "").trim().replaceAll("\\s+", " ");
            if (reason.split(" ").length < 3) {
                throw invalid(id, "consent: not-required needs its reason, in a few words (e.g. 'not-required: customers of active contracts, "
                        + "service messages only'), got '" + consent + "'");
            }
            return new Consent("", reason);
        }
        String column = (consent.isEmpty() ? consentColumn : consent).toLowerCase();
        if (!column.isEmpty() && !COLUMN.matcher(column).matches()) {
            throw invalid(id, (consent.isEmpty() ? "consentColumn '" : "consent '") + column + "' is not a column name"
                    + (consent.isEmpty() ? "" : " nor 'not-required: <reason>'"));
        }
        return new Consent(column, "");
    }

    /** An export's consent policy: a column, the reason none is needed, or neither (both empty). */
    private record Consent(String column, String reason) {
    }

    private static String timeZone(String id, String value) {
        try {
            return java.time.ZoneId.of(value).getId();
        } catch (java.time.DateTimeException e) {
            throw invalid(id, "timeZone '" + value + "' is not a time zone (e.g. UTC, Europe/Paris, America/New_York)");
        }
    }

    private static String choice(String id, Map<String, String> p, String name, String... allowed) {
        String value = p.get(name);
        for (String option : allowed) {
            if (option.equalsIgnoreCase(value)) {
                return option;
            }
        }
        throw invalid(id, name + " '" + value + "' is not one of " + String.join(", ", allowed));
    }

    private static double percent(String id, String value) {
        try {
            double percent = Double.parseDouble(value);
            if (percent >= 0 && percent <= 100) {
                return percent;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(id, "maxRemovalPercent must be a number from 0 to 100, got '" + value + "'");
    }

    /** "EMAIL=email, FIRSTNAME=first_name, BIRTHDATE=born:date" → attribute, column and type; EMAIL is required. */
    private static Map<String, MappedAttribute> mapping(String id, String text) {
        Map<String, MappedAttribute> mapping = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] parts = pair.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw invalid(id, "mapping entry '" + pair.trim() + "' is not ATTRIBUTE=column or ATTRIBUTE=column:type");
            }
            String attribute = parts[0].trim().toUpperCase();
            String[] columnType = parts[1].split(":", 2);
            String column = columnType[0].trim().toLowerCase();
            String type = columnType.length > 1 ? columnType[1].trim().toLowerCase() : MappedAttribute.defaultType(attribute);
            if (!ATTRIBUTE.matcher(attribute).matches()) {
                throw invalid(id, "mapping attribute '" + attribute + "' is not a Brevo attribute name (letters, digits and _)");
            }
            if (!COLUMN.matcher(column).matches()) {
                throw invalid(id, "mapping column '" + column + "' of " + attribute + " is not a column name of the query");
            }
            if (!MappedAttribute.BREVO_TYPES.containsKey(type)) {
                throw invalid(id, "mapping type '" + type + "' of " + attribute + " is not one of " + new TreeSet<>(MappedAttribute.BREVO_TYPES.keySet()));
            }
            if (mapping.put(attribute, new MappedAttribute(attribute, column, type)) != null) {
                throw invalid(id, "mapping names attribute " + attribute + " twice");
            }
        }
        if (!mapping.containsKey("EMAIL")) {
            throw invalid(id, "mapping has no EMAIL attribute; EMAIL=<column> is required");
        }
        return mapping;
    }

    private static long positive(String id, String name, String value) {
        try {
            long n = Long.parseLong(value == null ? "" : value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(id, name + " must be a positive whole number, got '" + (value == null ? "" : value) + "'");
    }

    static IllegalArgumentException invalid(String id, String problem) {
        return new IllegalArgumentException("Export '" + id + "' is misconfigured: " + problem);
    }
}
