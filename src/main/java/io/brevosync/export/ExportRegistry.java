package io.brevosync.export;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import io.brevosync.api.ApiException;
import org.quartz.CronExpression;

/**
 * Knows every export in force, and turns an export's parameters (a templatedRoute of an exports file) into an
 * {@link ExportDefinition}: {@link #parse} checks them all and applies the defaults, and answers a message that names
 * the export and the problem when one is wrong. {@link ExportFiles} decides what is in force.
 */
public final class ExportRegistry {

    /** Every parameter an export accepts, with its default ("" is none: required, or the exports.* setting). */
    static final Map<String, String> PARAMETERS = parameters("exportId", "", "connection", "default", "listId", "", "segments", "",
            "mapping", "EMAIL=email,FIRSTNAME=first_name,LASTNAME=last_name,SMS=phone", "cron", "0 0 2 * * ?", "timeZone", "", "enabled", "true",
            "query", "", "batchMaxRows", "", "batchMaxBytes", "", "exitPolicy", ExportDefinition.REMOVE, "exitListId", "", "maxRemovalPercent", "",
            "phoneRegion", "", "invalidPhone", "", "identifierConflict", "", "sendBlanks", "", "oversized", "", "consentColumn", "",
            "checkAttributes", "");
    private static final java.util.regex.Pattern ATTRIBUTE = java.util.regex.Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
    private static final java.util.regex.Pattern COLUMN = java.util.regex.Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final Map<String, ExportDefinition> exports = new ConcurrentHashMap<>();
    private final DataSource dataSource;
    private final Set<String> connections;
    private final String defaultQuery;
    private final String defaultTimeZone;
    private final int defaultBatchRows;
    private final int defaultBatchBytes;
    private final int rowMaxBytes;
    private final double defaultMaxRemovalPercent;
    private final DataQuality defaultQuality;

    public ExportRegistry(DataSource dataSource, Set<String> connections, String defaultQuery, String defaultTimeZone, int defaultBatchRows,
            int defaultBatchBytes, int rowMaxBytes, double defaultMaxRemovalPercent, DataQuality defaultQuality) {
        this.defaultQuality = defaultQuality;
        this.defaultMaxRemovalPercent = defaultMaxRemovalPercent;
        this.dataSource = dataSource;
        this.connections = connections;
        this.defaultQuery = defaultQuery;
        this.defaultTimeZone = defaultTimeZone;
        this.defaultBatchRows = defaultBatchRows;
        this.defaultBatchBytes = defaultBatchBytes;
        this.rowMaxBytes = rowMaxBytes;
    }

    private static Map<String, String> parameters(String... namesAndDefaults) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndDefaults.length; i += 2) {
            out.put(namesAndDefaults[i], namesAndDefaults[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** Puts the export in force (replacing the one with its id). */
    void put(ExportDefinition export) {
        exports.put(export.id(), export);
    }

    /** Takes the export out of force. */
    void remove(String exportId) {
        exports.remove(exportId);
    }

    public boolean contains(String exportId) {
        return exports.containsKey(exportId);
    }

    public ExportDefinition get(String exportId) {
        ExportDefinition export = exports.get(exportId);
        if (export == null) {
            throw new ApiException(404, "no export with id '" + exportId + "'");
        }
        return export;
    }

    /**
     * The answer of GET /v3/contacts/attributes against the export's mapping: an attribute the account lacks, or whose
     * type does not take the mapped values, stops the run with a message naming it.
     */
    public void checkAttributes(@org.apache.camel.Body Map<?, ?> answer, @org.apache.camel.ExchangeProperty("export") ExportDefinition export) {
        Map<String, String> types = new LinkedHashMap<>();
        if (answer.get("attributes") instanceof List<?> attributes) {
            for (Object item : attributes) {
                Map<?, ?> attribute = (Map<?, ?>) item;
                types.put(String.valueOf(attribute.get("name")).toUpperCase(), String.valueOf(attribute.get("type")));
            }
        }
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
     * The export the parameters declare (values trimmed, placeholders already resolved), or an
     * IllegalArgumentException naming the export and the problem. Reads nothing: segments are checked by
     * {@link #checkSegments}.
     */
    public ExportDefinition parse(Map<String, String> given) {
        Map<String, String> p = new LinkedHashMap<>();
        given.forEach((k, v) -> p.put(k, v == null ? "" : v.trim()));
        String id = p.getOrDefault("exportId", "");
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            throw invalid(id, "exportId must be 1-64 letters, digits, '-' or '_'");
        }
        for (String name : p.keySet()) {
            if (!PARAMETERS.containsKey(name)) {
                throw invalid(id, "unknown parameter '" + name + "' (known: " + PARAMETERS.keySet() + ")");
            }
        }
        PARAMETERS.forEach((name, defaultValue) -> {
            if (p.getOrDefault(name, "").isEmpty()) {
                p.put(name, defaultValue);
            }
        });
        String connection = p.get("connection");
        if (!connections.contains(connection)) {
            throw invalid(id, "connection '" + connection + "' is not configured (brevo.connections = " + connections + ")");
        }
        long listId = positive(id, "listId", p.get("listId"));
        List<String> segments = Arrays.stream(p.get("segments").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (segments.isEmpty()) {
            throw invalid(id, "segments is empty; name one or more segments, comma-separated");
        }
        Map<String, MappedAttribute> mapping = mapping(id, p.get("mapping"));
        String cron = p.get("cron");
        if (!CronExpression.isValidExpression(cron)) {
            throw invalid(id, "cron '" + cron + "' is not a valid Quartz cron expression (e.g. '0 0 2 * * ?')");
        }
        String timeZone = or(p, "timeZone", defaultTimeZone);
        try {
            timeZone = java.time.ZoneId.of(timeZone).getId();
        } catch (java.time.DateTimeException e) {
            throw invalid(id, "timeZone '" + timeZone + "' is not a time zone (e.g. UTC, Europe/Paris, America/New_York)");
        }
        String query = or(p, "query", defaultQuery);
        int rows = (int) positive(id, "batchMaxRows", or(p, "batchMaxRows", String.valueOf(defaultBatchRows)));
        int bytes = (int) positive(id, "batchMaxBytes", or(p, "batchMaxBytes", String.valueOf(defaultBatchBytes)));
        if (bytes > 9_500_000) {
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
        String percent = p.getOrDefault("maxRemovalPercent", "");
        double maxRemovalPercent = percent.isEmpty() ? defaultMaxRemovalPercent : percent(id, percent);
        boolean enabled = Boolean.parseBoolean(choice(id, p, "enabled", "true", "true", "false"));
        return new ExportDefinition(id, connection, listId, segments, mapping, cron, timeZone, enabled, query,
                rows, bytes, exitPolicy, exitListId, maxRemovalPercent, quality(id, p));
    }

    /** The export's data-quality rules: each parameter left out takes the exports.* default. */
    private DataQuality quality(String id, Map<String, String> p) {
        DataQuality d = defaultQuality;
        String region = or(p, "phoneRegion", d.phoneRegion()).toUpperCase();
        if (!region.isEmpty() && !com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getSupportedRegions().contains(region)) {
            throw invalid(id, "phoneRegion '" + region + "' is not a region libphonenumber knows (two letters, ISO 3166: FR, DE, US, GB...)");
        }
        String consent = or(p, "consentColumn", d.consentColumn()).toLowerCase();
        if (!consent.isEmpty() && !COLUMN.matcher(consent).matches()) {
            throw invalid(id, "consentColumn '" + consent + "' is not a column name");
        }
        return new DataQuality(region, choice(id, p, "invalidPhone", d.invalidPhone(), DataQuality.DROP, DataQuality.REJECT),
                choice(id, p, "identifierConflict", d.identifierConflict(), DataQuality.DROP_SMS, DataQuality.SKIP),
                Boolean.parseBoolean(choice(id, p, "sendBlanks", String.valueOf(d.sendBlanks()), "true", "false")),
                choice(id, p, "oversized", d.oversized(), DataQuality.TRUNCATE, DataQuality.REJECT), d.textMaxChars(), consent,
                Boolean.parseBoolean(choice(id, p, "checkAttributes", String.valueOf(d.checkAttributes()), "true", "false")));
    }

    private static String or(Map<String, String> p, String name, String defaultValue) {
        String value = p.getOrDefault(name, "");
        return value.isEmpty() ? defaultValue : value;
    }

    private static String choice(String id, Map<String, String> p, String name, String defaultValue, String... allowed) {
        String value = or(p, name, defaultValue);
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
                throw invalid(id, "mapping type '" + type + "' of " + attribute + " is not one of " + new java.util.TreeSet<>(MappedAttribute.BREVO_TYPES.keySet()));
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

    /**
     * An export on the default query needs its segments to exist (a typo would export nobody and, with the brake,
     * stop every run); an export with its own query selects its rows itself.
     */
    public void checkSegments(ExportDefinition export) {
        if (export.query().equals(defaultQuery)) {
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
