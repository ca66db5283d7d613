package io.brevosync.export;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The export contract without Camel: the parameters routes/export-run.camel.yaml declares (defaults resolved from
 * application.properties, as the server does) parsed into definitions, and the messages of wrong ones.
 */
class ExportParametersTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z.-]+)}}");
    private static ExportParameters parameters;
    private static Properties settings;

    @BeforeAll
    static void readTheTemplate() throws Exception {
        settings = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            settings.load(in);
        }
        // production names no default query: these exports read the demo's tables
        settings.setProperty("exports.default-query", "select id as profile_id, email from profile where segment = any(:#segments)");
        List<?> routes = (List<?>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(Path.of("routes/export-run.camel.yaml")));
        List<ExportParameters.Declared> declared = new ArrayList<>();
        for (Object route : routes) {
            if (route instanceof Map<?, ?> m && m.get("routeTemplate") instanceof Map<?, ?> template) {
                for (Object p : (List<?>) template.get("parameters")) {
                    Map<?, ?> parameter = (Map<?, ?>) p;
                    declared.add(new ExportParameters.Declared((String) parameter.get("name"), (String) parameter.get("defaultValue"),
                            Boolean.TRUE.equals(parameter.get("required"))));
                }
            }
        }
        parameters = new ExportParameters(declared, Set.of("default", "eu"), Set.of("replica"), 65_536, 2000);
    }

    /** As the server does it: defaults applied, then {{setting}} placeholders read from application.properties. */
    private static ExportDefinition parse(Map<String, String> given) {
        Map<String, String> values = new LinkedHashMap<>();
        parameters.withDefaults(given).forEach((name, value) -> {
            Matcher m = PLACEHOLDER.matcher(value);
            values.put(name, m.matches() ? settings.getProperty(m.group(1)).replaceAll("^\\{\\{env:[A-Z_]+:(.*)}}$", "$1") : value);
        });
        return parameters.parse(values);
    }

    @Test
    void an_export_names_its_id_list_and_segments_and_takes_the_rest_from_the_defaults() {
        ExportDefinition export = parse(Map.of("exportId", "news", "listId", "7", "segments", "a, b"));
        assertEquals("news", export.id());
        assertEquals("default", export.connection());
        assertEquals(7, export.listId());
        assertEquals(List.of("a", "b"), export.segments());
        assertEquals(List.of("EMAIL", "FIRSTNAME", "LASTNAME", "SMS"), List.copyOf(export.mapping().keySet()));
        assertEquals("phone", export.mapping().get("SMS").type());
        assertEquals("0 0 2 * * ?", export.cron());
        assertEquals("UTC", export.timeZone());
        assertTrue(export.enabled());
        assertEquals(settings.getProperty("exports.default-query"), export.query(), "exports.default-query");
        assertEquals(new ExportSource("", export.query(), "profile_id", "", false), export.source(), "on the server's database, keyed by profile_id");
        assertEquals(50_000, export.batchMaxRows());
        assertEquals(8_000_000, export.batchMaxBytes());
        assertEquals(ExportDefinition.REMOVE, export.exitPolicy());
        assertEquals(20.0, export.maxRemovalPercent());
        assertEquals(new DataQuality("", DataQuality.DROP, DataQuality.DROP_SMS, false, DataQuality.TRUNCATE, 2000, "", "", true, false), export.quality());
        assertFalse(export.reconcileStrict());
        assertEquals("", export.reconcileCron());
    }

    @Test
    void every_choice_is_read_whatever_its_case_and_typed() {
        Map<String, String> given = new LinkedHashMap<>(Map.of("exportId", "fr", "listId", "3", "segments", "vip", "connection", "eu",
                "mapping", "email=mail, PRENOM=first_name, BORN=birth:date, SCORE=score:number", "timeZone", "Europe/Paris", "enabled", "FALSE",
                "exitPolicy", "Move", "exitListId", "4", "maxRemovalPercent", "2.5"));
        given.putAll(Map.of("phoneRegion", "fr", "invalidPhone", "REJECT", "identifierConflict", "skip", "sendBlanks", "true", "oversized", "reject",
                "consent", "Opted_In", "checkAttributes", "TRUE", "batchMaxRows", "100", "batchMaxBytes", "200000"));
        given.putAll(Map.of("reconcile", "Strict", "reconcileCron", "0 0 4 ? * SUN", "createAttributes", "True"));
        ExportDefinition export = parse(given);
        assertEquals("eu", export.connection());
        assertEquals("mail", export.emailColumn());
        assertEquals("date", export.mapping().get("BORN").type());
        assertEquals("Europe/Paris", export.timeZone());
        assertFalse(export.enabled());
        assertEquals(ExportDefinition.MOVE, export.exitPolicy());
        assertEquals(4, export.exitListId());
        assertEquals(2.5, export.maxRemovalPercent());
        assertEquals(new DataQuality("FR", DataQuality.REJECT, DataQuality.SKIP, true, DataQuality.REJECT, 2000, "opted_in", "", true, true), export.quality());
        assertEquals(100, export.batchMaxRows());
        assertTrue(export.reconcileStrict());
        assertEquals("0 0 4 ? * SUN", export.reconcileCron());
    }

    @Test
    void an_export_reads_its_own_query_on_a_source_it_names_with_the_columns_it_needs_named() {
        ExportDefinition tagged = parse(Map.of("exportId", "t", "listId", "1", "segments", "vip", "source", "replica", "query",
                "select customer_id, email, tags from crm.customers", "profileKey", "Customer_ID", "segmentsColumn", "TAGS"));
        assertEquals(new ExportSource("replica", "select customer_id, email, tags from crm.customers", "customer_id", "tags", false), tagged.source());
        assertFalse(tagged.source().local(), "read on the replica");
        assertTrue(tagged.source().stagedAs("brevo_sync.\"staged_run_t\"").local(), "its copy is read on the server's database");
        // a query that selects its profiles itself needs no segments
        assertEquals(List.of(), parse(Map.of("exportId", "own", "listId", "1", "query", "select id as profile_id, email from customers where vip")).segments());
        assertTrue(problem(Map.of("exportId", "x", "listId", "1", "source", "warehouse")).contains("source 'warehouse' is not configured (sources = [replica]"));
        assertTrue(problem(Map.of("exportId", "x", "listId", "1")).contains("segments is empty"), "the default query uses :#segments");
        assertTrue(problem(Map.of("exportId", "x", "listId", "1", "segmentsColumn", "tags", "query", "select 1")).contains("or segmentsColumn is set"));
        assertTrue(problem(Map.of("exportId", "x", "listId", "1", "segments", "a", "profileKey", "id; drop")).contains("profileKey 'id; drop' is not a column name"));
        settings.setProperty("exports.default-query", "");
        try {
            assertTrue(problem(Map.of("exportId", "x", "listId", "1", "segments", "a")).contains("query is empty: name the SQL that reads your profiles"));
        } finally {
            settings.setProperty("exports.default-query", "select id as profile_id, email from profile where segment = any(:#segments)");
        }
    }

    private static String problem(Map<String, String> given) {
        return assertThrows(IllegalArgumentException.class, () -> parse(given)).getMessage();
    }

    @Test
    void the_template_declares_every_parameter_and_marks_the_required_ones() {
        Map<String, String> all = parameters.withDefaults(Map.of());
        assertEquals(29, all.size(), all.keySet().toString());
        // a parameter left empty takes its default, like one left out
        assertEquals("default", parameters.withDefaults(Map.of("connection", " ")).get("connection"));
    }

    @ParameterizedTest(name = "{0} -> column [{1}], reason [{2}]")
    @CsvSource(delimiter = '|', value = {
        "consent=Consent                                            | consent | ''",
        "consentColumn=opt_in                                       | opt_in  | ''",
        "consent=opt_in;consentColumn=OPT_IN                        | opt_in  | ''",
        "consent=not-required: B2B contacts,  legitimate interest   | ''      | B2B contacts, legitimate interest",
        "consent=Not-Required service messages to our own staff      | ''      | service messages to our own staff",
        "''                                                         | ''      | ''",
    })
    void the_consent_policy_is_a_column_or_a_reason_and_consentColumn_is_its_former_name(String parameters, String column, String reason) {
        Map<String, String> given = new LinkedHashMap<>(Map.of("exportId", "x", "listId", "1", "segments", "s"));
        for (String pair : parameters.split(";")) {
            if (!pair.isBlank()) {
                given.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        DataQuality quality = parse(given).quality();
        assertEquals(column, quality.consentColumn());
        assertEquals(reason, quality.consentNotRequired());
        assertEquals(!column.isEmpty() || !reason.isEmpty(), quality.hasConsentPolicy());
        assertEquals(column.isEmpty() ? reason.isEmpty() ? "none" : "not required: " + reason : "column " + column, quality.consentPolicy());
    }

    @ParameterizedTest(name = "{0} named like a consent: {1}")
    @CsvSource({"consent, true", "Email_Consent, true", "newsletter_opt_in, true", "optin, true", "opted_in, true", "gdpr_ok, true",
        "option, false", "adoption, false", "content, false", "profile_id, false"})
    void a_column_is_named_like_a_consent_by_a_small_rule(String column, boolean consentLike) {
        assertEquals(consentLike, ExportRegistry.CONSENT_LIKE.matcher(column.toLowerCase()).matches());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bad id           | exportId=a b                      | exportId must be 1-64 letters, digits, '-' or '_'",
        "no list          | listId=                           | listId must be a positive whole number, got ''",
        "negative list    | listId=-2                         | listId must be a positive whole number, got '-2'",
        "unknown name     | listid=3                          | unknown parameter 'listid'",
        "other connection | connection=us                     | connection 'us' is not configured",
        "no EMAIL         | mapping=FIRSTNAME=first_name      | mapping has no EMAIL attribute",
        "twice            | mapping=EMAIL=email,EMAIL=mail    | mapping names attribute EMAIL twice",
        "bad pair         | mapping=EMAIL                     | mapping entry 'EMAIL' is not ATTRIBUTE=column",
        "bad cron         | cron=daily                        | cron 'daily' is not a valid Quartz cron expression",
        "bad zone         | timeZone=CEST+1                   | timeZone 'CEST+1' is not a time zone",
        "huge batch       | batchMaxBytes=10485760            | batchMaxBytes 10485760 is above what Brevo accepts",
        "tiny batch       | batchMaxBytes=1000                | batchMaxBytes 1000 cannot hold a row of exports.row-max-bytes (65536)",
        "enabled maybe    | enabled=maybe                     | enabled 'maybe' is not one of true, false",
        "brake -1         | maxRemovalPercent=-1              | maxRemovalPercent must be a number from 0 to 100, got '-1'",
        "consent column   | consentColumn=1st                 | consentColumn '1st' is not a column name",
        "consent neither  | consent=maybe later               | consent 'maybe later' is not a column name nor 'not-required: <reason>'",
        "no reason        | consent=not-required              | consent: not-required needs its reason, in a few words",
        "short reason     | consent=not-required: internal    | consent: not-required needs its reason, in a few words",
        "two policies     | consentColumn=opt_in              | consent 'consent' and consentColumn 'opt_in' (its former name) differ; keep consent only",
        "create unchecked | checkAttributes=false             | createAttributes: true needs checkAttributes: true",
        "create maybe     | createAttributes=yes              | createAttributes 'yes' is not one of true, false",
        "oversized        | oversized=cut                     | oversized 'cut' is not one of truncate, reject",
        "alert rule       | alerts=latency=5s                 | alerts: unknown rule 'latency' (rejectedPercent, runtime, brakeWait, stale)",
        "alert duration   | alerts=runtime=soon               | alerts: runtime 'soon' is not a duration like 500ms, 90s, 30m, 26h or 2d",
        "alert percent    | alerts=rejectedPercent=150        | alerts: rejectedPercent '150' is not a number from 0 to 100",
        "alert pair       | alerts=stale                      | alerts: 'stale' is not key=value",
        "reconcile        | reconcile=always                  | reconcile 'always' is not one of report, strict",
        "reconcile cron   | reconcileCron=weekly              | reconcileCron 'weekly' is not a valid Quartz cron expression",
    })
    void a_wrong_parameter_is_named_with_its_export(String name, String parameter, String problem) {
        Map<String, String> given = new LinkedHashMap<>(Map.of("exportId", "x", "listId", "1", "segments", "s"));
        given.put(parameter.substring(0, parameter.indexOf('=')), parameter.substring(parameter.indexOf('=') + 1));
        if (name.equals("two policies")) {
            given.put("consent", "consent");
        }
        if (name.equals("create unchecked")) {
            given.put("createAttributes", "true");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(given));
        String id = given.get("exportId");
        assertTrue(e.getMessage().startsWith("Export '" + id + "' is misconfigured: "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
