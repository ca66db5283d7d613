package io.brevosync.sandbox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every endpoint the sandbox simulates: requests conform to Brevo's official OpenAPI definition, answers to the
 * official SDK's current types (@getbrevo/brevo 6.0.3), and the checks do catch what does not.
 */
class SandboxContractTest {

    private BrevoSandbox sandbox;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws Exception {
        BrevoContract.validator();
        sandbox = new BrevoSandbox("localhost", 0).start();
        sandbox.addAccount("test", "key-test", RateLimits.unlimited()).createList("Newsletter", 1);
        sandbox.inspector((method, path, query, headers, body, status, answer) -> {
            seen.add(method + " " + path + " " + status);
            violations.addAll(BrevoContract.check(method, path, query, headers, body, status, answer));
        });
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void every_simulated_endpoint_conforms_to_the_official_definition() throws Exception {
        SandboxClient brevo = new SandboxClient(sandbox, "key-test");
        long process = brevo.json("POST", "/v3/contacts/import", """
                {"listIds":[1],"updateExistingContacts":true,"emptyContactsAttributes":false,"jsonBody":[
                 {"email":"a@example.com","attributes":{"FIRSTNAME":"Ann","SMS":"+33612345678"}},{"email":"b@example.com"},
                 {"email":"c@@example.com"}]}""", 202).get("processId").asLong();
        String report = brevo.awaitProcess(process).get("info").get("import").get("invalid_emails").asText();
        assertTrue(report.startsWith("http://localhost:" + sandbox.port() + "/reports/"), "a link to a report: " + report);
        brevo.json("GET", "/v3/processes?limit=10&offset=0&sort=desc", null, 200);
        // an import Brevo lost
        brevo.json("GET", "/v3/processes/987654", null, 404);
        brevo.json("POST", "/v3/contacts/import", "{\"listIds\":[1],\"jsonBody\":[{\"email\":\"nope\"}]}", 400);
        brevo.json("GET", "/v3/contacts/lists?limit=10&offset=0", null, 200);
        long list = brevo.json("POST", "/v3/contacts/lists", "{\"name\":\"Second\",\"folderId\":1}", 201).get("id").asLong();
        brevo.json("GET", "/v3/contacts/lists/" + list, null, 200);
        brevo.json("POST", "/v3/contacts/lists/" + list + "/contacts/add", "{\"emails\":[\"a@example.com\",\"ghost@example.com\"]}", 201);
        brevo.json("POST", "/v3/contacts/lists/" + list + "/contacts/add", "{\"emails\":[\"a@example.com\"]}", 400);
        brevo.json("GET", "/v3/contacts/lists/" + list + "/contacts?limit=50&offset=0", null, 200);
        // a page of reconciliation
        brevo.json("GET", "/v3/contacts/lists/" + list + "/contacts?limit=500&offset=0&sort=asc", null, 200);
        brevo.json("POST", "/v3/contacts/lists/" + list + "/contacts/remove", "{\"emails\":[\"a@example.com\"]}", 201);
        brevo.json("POST", "/v3/contacts/lists/999/contacts/remove", "{\"emails\":[\"a@example.com\"]}", 404);
        brevo.json("GET", "/v3/contacts/a%40example.com", null, 200);
        // who holds an SMS number (PhoneConflicts), and a number nobody holds
        brevo.json("GET", "/v3/contacts/%2B33612345678?identifierType=phone_id", null, 200);
        brevo.json("GET", "/v3/contacts/%2B33699999999?identifierType=phone_id", null, 404);
        brevo.json("GET", "/v3/contacts/attributes", null, 200);
        // an attribute a reload creates (createAttributes), and one the account has
        brevo.json("POST", "/v3/contacts/attributes/normal/LOYALTY", "{\"type\":\"text\"}", 201);
        brevo.json("POST", "/v3/contacts/attributes/normal/LOYALTY", "{\"type\":\"text\"}", 400);
        brevo.json("POST", "/v3/contacts", "{\"email\":\"c@example.com\",\"attributes\":{\"FIRSTNAME\":\"Cy\"},\"listIds\":[1]}", 201);
        brevo.json("POST", "/v3/contacts", "{\"email\":\"c@example.com\",\"attributes\":{\"LASTNAME\":\"Lu\"},\"updateEnabled\":true}", 204);
        brevo.json("POST", "/v3/contacts", "{\"email\":\"c@example.com\"}", 400);

        assertEquals(List.of(), violations, "seen: " + seen);
        long endpoints = sandbox.requests().entries().stream().map(RequestLog.Entry::endpoint).distinct().count();
        assertEquals(13, endpoints, "all thirteen simulated endpoints were exercised: " + seen);
    }

    @Test
    void the_older_process_answers_are_not_brevos_of_today() throws Exception {
        sandbox.reports().linksForm(false);
        SandboxClient brevo = new SandboxClient(sandbox, "key-test");
        long process = brevo.json("POST", "/v3/contacts/import", "{\"listIds\":[1],\"jsonBody\":[{\"email\":\"a@example.com\"}]}", 202)
                .get("processId").asLong();
        brevo.awaitProcess(process);
        assertTrue(violations.stream().anyMatch(v -> v.contains("is not GetProcessResponse (@getbrevo/brevo 6.0.3)")), violations.toString());
    }

    @Test
    void the_validator_does_catch_a_non_conforming_request() throws Exception {
        SandboxClient brevo = new SandboxClient(sandbox, "key-test");
        brevo.send("POST", "/v3/contacts/lists/1/contacts/add", "{\"emails\":[\"not an email\"]}");
        brevo.send("POST", "/v3/contacts/lists", "{\"name\":\"no folder\"}");
        assertEquals(2, violations.stream().map(v -> v.substring(0, v.indexOf(" ->"))).distinct().count(), violations.toString());
    }
}
