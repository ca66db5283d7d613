package io.brevosync.access;

import java.io.InputStream;
import java.util.Map;
import java.util.Properties;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log layouts of log4j2.properties (text and JSON) mask secrets in whatever a library logs, and name the run. */
class LogMaskTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a header map           | headers {api-key=xkeysib-0123abcdef-XYZ, Accept=application/json}          | xkeysib-0123abcdef-XYZ",
        "a header line          | >> api-key: s3cr3t-key-value                                                | s3cr3t-key-value",
        "JSON                   | {\"api-key\": \"s3cr3t-key-value\"}                                        | s3cr3t-key-value",
        "a bearer token         | >> Authorization: Bearer test-token-0123456789abcdef                       | test-token-0123456789abcdef",
        "a user token anywhere  | token bss_Q2hhbmdlIG1lIHBsZWFzZQ_-x made                                   | Q2hhbmdlIG1lIHBsZWFzZQ_-x",
        "a Brevo key anywhere   | key=xkeysib-abcdef0123456789-Zz                                             | abcdef0123456789-Zz",
    })
    void secrets_are_masked(String what, String message, String secret) throws Exception {
        for (String format : new String[] {"text", "json"}) {
            String line = format(format, message);
            assertFalse(line.contains(secret), format + ", " + what + ": " + line);
            assertTrue(line.contains("****"), format + ", " + what + ": " + line);
            if (format.equals("json")) {
                var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
                assertTrue(json.get("message").asText().contains("****") && json.get("run").asText().equals("7"), line);
            } else {
                assertTrue(line.contains("| [newsletter run 7] "), line);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void a_shell_variable_is_no_secret() throws Exception {
        String line = format("text", "curl -H \"Authorization: Bearer $API_TOKEN\" http://localhost:8080/api/exports");
        assertTrue(line.contains("Bearer $API_TOKEN"), line);
    }

    /** The message as the layout of that name in log4j2.properties writes it, in a run's context. */
    private static String format(String layoutName, String message) throws Exception {
        Properties config = new Properties();
        try (InputStream in = LogMaskTest.class.getResourceAsStream("/log4j2.properties")) {
            config.load(in);
        }
        String pattern = config.getProperty("appender." + layoutName + ".layout.pattern").replace("${masked}", config.getProperty("property.masked"));
        return PatternLayout.newBuilder().withPattern(pattern).build().toSerializable(Log4jLogEvent.newBuilder().setLoggerName("wire")
                .setLevel(Level.DEBUG).setContextData(new org.apache.logging.log4j.util.SortedArrayStringMap(Map.of("exportId", "newsletter", "runId", "7")))
                .setMessage(new SimpleMessage(message)).build());
    }
}
