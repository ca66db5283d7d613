package io.brevosync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consent of the admin, with a data-privacy statement of the company's own (access.privacy-statement-file): its
 * version is the one an admin must agree to, GET …/consent serves it, and until then the connection runs nothing.
 */
class ConnectionConsentTest extends ServerTest {

    private static final String STATEMENT = """
            # Acme's statement for sending customers to Brevo
            Version: 2027-03

            Only customers who opted in are sent. Our DPO (dpo@acme.example) reviews every new export.
            """;

    @Override
    protected TestServer startServer() throws Exception {
        Path file = Files.writeString(Files.createTempFile("statement", ".md"), STATEMENT);
        file.toFile().deleteOnExit();
        return TestServer.start(Map.of("demo.profiles", "100", "access.record-consent-as", "", "access.privacy-statement-file", file.toString()));
    }

    @Test
    void the_file_s_version_is_the_one_an_admin_agrees_to() throws Exception {
        JsonNode statement = json(server.api("GET", "/api/connections/default/consent"), 200);
        assertEquals("2027-03", statement.get("version").asText(), statement.toString());
        assertEquals(STATEMENT, statement.get("statement").asText());
        assertTrue(statement.get("consent").isNull(), statement.toString());

        var refused = server.api("POST", "/api/exports/newsletter/runs");
        assertEquals(409, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("connection 'default' has no recorded data-privacy consent"), refused.body());
        // the shipped statement's version is not the one in force
        var other = server.call("POST", "/api/connections/default/consent", TestServer.TOKEN, "{\"agree\": true, \"version\": \"2026-12\"}");
        assertEquals(400, other.statusCode(), other.body());
        assertTrue(other.body().contains("the data-privacy statement in force is version 2027-03, not 2026-12"), other.body());

        json(server.call("POST", "/api/connections/default/consent", TestServer.TOKEN, "{\"agree\": true, \"version\": \"2027-03\"}"), 200);
        JsonNode agreed = json(server.api("GET", "/api/connections/default/consent"), 200);
        assertEquals("2027-03", agreed.get("consent").get("version").asText(), agreed.toString());
        assertEquals("api-token", agreed.get("consent").get("by").asText());
        assertTrue(agreed.get("agreed").asBoolean());
        JsonNode run = server.runAndWait("newsletter");
        assertTrue(run.get("status").asText().startsWith("succeeded"), run.toString());
    }

    private static JsonNode json(java.net.http.HttpResponse<String> answer, int status) throws Exception {
        assertEquals(status, answer.statusCode(), answer.body());
        return TestServer.JSON.readTree(answer.body());
    }
}
