package io.brevosync.brevo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API keys come from the environment or a secret file, go only onto the outgoing request, and never show elsewhere. */
class BrevoConnectionsTest {

    @TempDir
    Path dir;

    @Test
    void keys_from_environment_or_secret_file_and_base_url_default() throws Exception {
        Path secret = Files.writeString(dir.resolve("brevo-key"), "xkeysib-from-file\n");
        Map<String, String> properties = Map.of("brevo.connection.eu.api-key-file", secret.toString(),
                "brevo.connection.eu.base-url", "http://localhost:9/v3/");
        BrevoConnections connections = BrevoConnections.fromProperties(List.of("default", "eu"), properties::get,
                Map.of("BREVO_API_KEY", "xkeysib-from-env")::get);
        assertEquals(BrevoConnections.DEFAULT_BASE_URL, connections.baseUrl("default"));
        assertEquals("http://localhost:9/v3", connections.baseUrl("eu"));

        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setHeader("CamelHttpUri", "http://elsewhere.example");
        exchange.getIn().setHeader("Authorization", "Bearer caller-token");
        exchange.setProperty("connection", "eu");
        exchange.setProperty("brevoMethod", "POST");
        exchange.setProperty("brevoPath", "/contacts/import");
        connections.prepare(exchange);
        assertEquals("xkeysib-from-file", exchange.getIn().getHeader("api-key"));
        assertEquals("http://localhost:9/v3/contacts/import", exchange.getIn().getHeader(Exchange.HTTP_URI));
        assertNull(exchange.getIn().getHeader("Authorization"), "inbound headers never leak to Brevo");

        exchange.setProperty("connection", "default");
        connections.prepare(exchange);
        assertEquals("xkeysib-from-env", exchange.getIn().getHeader("api-key"));
        assertFalse(connections.toString().contains("xkeysib"), connections.toString());
    }

    @Test
    void a_missing_key_names_the_variable_to_set_and_never_a_key() {
        var error = assertThrows(io.brevosync.StartupFailure.class,
                () -> BrevoConnections.fromProperties(List.of("marketing"), k -> null, k -> null));
        assertEquals("Brevo connection 'marketing' has no API key: set the environment variable BREVO_API_KEY_MARKETING or "
                + "brevo.connection.marketing.api-key-file", error.getMessage());
        var unreadable = assertThrows(io.brevosync.StartupFailure.class, () -> BrevoConnections.fromProperties(List.of("x"),
                Map.of("brevo.connection.x.api-key-file", dir.resolve("missing").toString())::get, k -> null));
        assertTrue(unreadable.getMessage().startsWith("Brevo connection 'x': cannot read its API key file"), unreadable.getMessage());
    }

    @Test
    void the_rate_limit_headers_of_an_answer_say_what_is_left_of_its_budget() throws Exception {
        BrevoConnections connections = BrevoConnections.fromProperties(List.of("default"), k -> null, Map.of("BREVO_API_KEY", "xkeysib-k")::get);
        RateWindow processes = connections.window("default", "/processes");
        assertTrue(processes.spare(), "nothing said yet: no limit known");
        answer(connections, "/processes?limit=50&offset=0&sort=desc", 200, "12", "1200");
        assertEquals(12, processes.remaining());
        assertFalse(processes.spare());
        assertTrue(processes.spread().toSeconds() >= 99 && processes.spread().toSeconds() <= 100, processes.spread().toString());
        assertEquals(Long.MAX_VALUE, connections.window("default", "/contacts/import").remaining(), "the contacts budget is another");
    }

    @Test
    void a_rate_limit_reset_longer_than_max_rate_wait_is_waited_that_long_then_tried_again() throws Exception {
        BrevoConnections connections = BrevoConnections.fromProperties(List.of("default"), Map.of("brevo.max-rate-wait", "400")::get,
                Map.of("BREVO_API_KEY", "xkeysib-k")::get);
        // seconds, as Brevo documents them: two hours
        Exchange exchange = answer(connections, "/contacts/import", 429, "0", "7200");
        assertTrue(exchange.getProperty("brevoCall", BrevoCall.class).isResend(), "sent again after the wait");
        long start = System.nanoTime();
        connections.prepare(exchange);
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited >= 300 && waited < 5_000, "waited " + waited + " ms: brevo.max-rate-wait, not two hours");
    }

    /** Brevo's answer to a call on the path, with its status and rate-limit headers, as brevo-call hands it over. */
    private static Exchange answer(BrevoConnections connections, String path, int status, String remaining, String reset) throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty("connection", "default");
        exchange.setProperty("brevoPath", path);
        exchange.setProperty("brevoCall", connections.call(exchange));
        exchange.getIn().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getIn().setHeader("x-sib-ratelimit-remaining", remaining);
        exchange.getIn().setHeader("x-sib-ratelimit-reset", reset);
        connections.answered(exchange);
        return exchange;
    }
}
