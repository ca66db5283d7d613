package io.brevosync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No silent attribute loss: the reload checks an added or changed export's mapped attributes against the Brevo
 * account (the sandbox, over HTTP), refuses one the account lacks naming the account's attributes (the version in
 * force stays), creates them where the export says createAttributes: true (audited), and checks nothing with
 * checkAttributes: false or when Brevo is out of reach.
 */
class ExportAttributesTest extends ServerTest {
    /** The sandbox's answers to the server, as "METHOD path status body". */
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    protected TestServer startServer() throws Exception {
        TestServer started = TestServer.start(Map.of("demo.profiles", "100"));
        started.sandbox().inspector((method, path, query, headers, body, status, answer) -> calls.add(method + " " + path + " " + status + " "
                + (body == null ? "" : new String(body))));
        return started;
    }

    @AfterEach
    void clean() throws Exception {
        server.keepOnlyNewsletter();
        calls.clear();
    }

    @Test
    void an_attribute_the_account_lacks_makes_the_export_invalid_with_the_accounts_attributes_and_the_version_in_force_stays() throws Exception {
        write("loyal", "EMAIL=email,FIRSTNAME=first_name", Map.of());
        JsonNode first = server.reload();
        assertTrue(first.get("loaded").toString().contains("loyal"), first.toString());

        write("loyal", "EMAIL=email,FIRSTNAME=first_name,LOYALTY=country", Map.of());
        JsonNode second = server.reload();
        String error = TestServer.exportError(second, "loyal");
        assertTrue(error.startsWith("Export 'loyal' is misconfigured: LOYALTY does not exist in the Brevo account of connection 'default', which has "
                + "[FIRSTNAME, LASTNAME, SMS, WHATSAPP, LANDLINE_NUMBER, EXT_ID, COUNTRY, CITY, BIRTHDATE, CONSENT"), error);
        assertTrue(error.contains("set createAttributes: true"), error);
        assertEquals("[\"EMAIL\",\"FIRSTNAME\"]", fieldNames(export("loyal").get("mapping")), "the version in force stays");
        assertFalse(attributes().containsKey("LOYALTY"), "nothing created");
    }

    @Test
    void create_attributes_makes_the_missing_ones_of_their_mapped_type_and_audits_them() throws Exception {
        write("made", "EMAIL=email,FIRSTNAME=first_name,TIER=country,BORN=birth_date:date,SCORE=last_name:number", Map.of("createAttributes", "true"));
        // no caller: the directory's own reload (exports.reload-period) finds the file
        TestServer.await("export made in force", Duration.ofSeconds(20), () -> export("made") != null);

        Map<String, String> attributes = attributes();
        assertEquals("text", attributes.get("TIER"));
        assertEquals("date", attributes.get("BORN"));
        assertEquals("float", attributes.get("SCORE"));
        assertTrue(calls.contains("POST /v3/contacts/attributes/normal/BORN 201 {\"type\":\"date\"}"), calls.toString());
        List<JsonNode> audit = new ArrayList<>();
        TestServer.await("the creations audited", Duration.ofSeconds(10), () -> {
            audit.clear();
            try {
                json(call("GET", "/api/audit?action=create-attribute")).forEach(audit::add);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return audit.size() == 3;
        });
        JsonNode born = audit.stream().filter(a -> a.get("target").asText().equals("connections/default/attributes/BORN")).findFirst().orElseThrow();
        assertEquals("watch", born.get("actor").asText(), born.toString());
        assertEquals("attribute BORN (date) created in the Brevo account of connection 'default' for export 'made' (mapped as date, createAttributes: true)",
                born.get("detail").asText());

        // created once: a changed export on the same attributes finds them
        calls.clear();
        write("made", "EMAIL=email,TIER=country,BORN=birth_date:date", Map.of("createAttributes", "true"));
        JsonNode again = server.reload();
        assertTrue(again.get("loaded").toString().contains("made"), again.toString());
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("POST /v3/contacts/attributes")), calls.toString());
    }

    @Test
    void create_attributes_cannot_fix_a_type_brevo_has_otherwise() throws Exception {
        write("typed", "EMAIL=email,BIRTHDATE=birth_date:number", Map.of("createAttributes", "true"));
        assertTrue(TestServer.exportError(server.reload(), "typed").contains("BIRTHDATE is a date attribute in Brevo but mapped as number"), calls.toString());
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("POST /v3/contacts/attributes")), calls.toString());
    }

    @Test
    void check_attributes_false_puts_the_export_in_force_unchecked() throws Exception {
        write("unchecked", "EMAIL=email,NOT_IN_BREVO=country", Map.of("checkAttributes", "false"));
        JsonNode reload = server.reload();
        assertTrue(reload.get("loaded").toString().contains("unchecked"), reload.toString());
        assertTrue(calls.stream().noneMatch(c -> c.contains("/v3/contacts/attributes")), calls.toString());
    }

    @Test
    void brevo_out_of_reach_puts_the_export_in_force_unchecked() throws Exception {
        // the list look-up and the attributes' both fail
        server.sandbox().faults().failNext(503, 2);
        write("away", "EMAIL=email,NOT_IN_BREVO=country", Map.of());
        JsonNode reload = server.reload();
        assertTrue(reload.get("loaded").toString().contains("away"), reload.toString());
        assertTrue(calls.contains("GET /v3/contacts/attributes 503 "), calls.toString());
    }

    // ---- helpers ----

    private void write(String id, String mapping, Map<String, String> more) throws Exception {
        Map<String, String> values = new LinkedHashMap<>(Map.of("exportId", id, "listId", "1", "segments", "vip", "mapping", mapping,
                "cron", "0 0 0 1 1 ? 2099"));
        values.putAll(more);
        Files.writeString(server.exportsDir().resolve(id + ".camel.yaml"), TestServer.exportFile(values));
    }

    private JsonNode export(String id) {
        try {
            for (JsonNode export : json(call("GET", "/api/exports")).get("exports")) {
                if (export.get("exportId").asText().equals(id)) {
                    return export;
                }
            }
            return null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String call(String method, String path) throws Exception {
        HttpResponse<String> answer = server.api(method, path);
        assertEquals(200, answer.statusCode(), answer.body());
        return answer.body();
    }

    /** The sandbox account's attributes as Brevo serves them (GET /v3/contacts/attributes with the key): name to type. */
    private Map<String, String> attributes() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.sandbox().baseUrl() + "/contacts/attributes"))
                .header("api-key", server.sandbox().account("default").apiKey()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        Map<String, String> types = new LinkedHashMap<>();
        json(answer.body()).get("attributes").forEach(a -> types.put(a.get("name").asText(), a.get("type").asText()));
        return types;
    }

    private static String fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names.stream().map(n -> "\"" + n + "\"").toList().toString().replace(" ", "");
    }

    private static JsonNode json(String body) {
        try {
            return TestServer.JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
