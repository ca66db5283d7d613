package io.brevosync.access;

import java.io.InputStream;
import java.util.Properties;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log layout of log4j2.properties masks secrets in whatever a library logs, at every level. */
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
        Properties config = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/log4j2.properties")) {
            config.load(in);
        }
        PatternLayout layout = PatternLayout.newBuilder().withPattern(config.getProperty("appender.out.layout.pattern")).build();
        String line = layout.toSerializable(Log4jLogEvent.newBuilder().setLoggerName("wire").setLevel(Level.DEBUG)
                .setMessage(new SimpleMessage(message)).build());
        assertFalse(line.contains(secret), what + ": " + line);
        assertTrue(line.contains("****"), what + ": " + line);
    }
}
