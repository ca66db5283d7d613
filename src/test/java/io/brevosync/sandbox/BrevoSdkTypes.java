package io.brevosync.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;

/**
 * Brevo's answers as they are today: the types of the official Node SDK {@code @getbrevo/brevo} 6.0.3, transcribed into
 * brevo/sdk-6.0.3-answers.schema.json (each definition named after its TypeScript type). Where they differ from the
 * older copies of the OpenAPI definition (process reports as links, statuses, 404 codes), these win, so the sandbox
 * cannot drift from Brevo unnoticed; requests stay checked against the official definition ({@link BrevoContract}).
 */
final class BrevoSdkTypes {

    private static final String SCHEMA = "brevo/sdk-6.0.3-answers.schema.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** "METHOD path-pattern status" → the SDK type of that answer. */
    private static final Map<Pattern, String> TYPES = new LinkedHashMap<>();

    static {
        type("POST /v3/contacts/import 202", "ImportContactsResponse");
        type("GET /v3/processes 200", "GetProcessesResponse");
        type("GET /v3/processes/\\d+ 200", "GetProcessResponse");
        type("GET /v3/processes/\\d+ 404", "ProcessNotFound");
        type("GET /v3/contacts/lists 200", "GetListsResponse");
        type("POST /v3/contacts/lists 201", "CreateListResponse");
        type("GET /v3/contacts/lists/\\d+ 200", "GetListResponse");
        type("GET /v3/contacts/lists/\\d+/contacts 200", "GetContacts");
        type("POST /v3/contacts/lists/\\d+/contacts/(add|remove) 201", "PostContactInfo");
        type("GET /v3/contacts/attributes 200", "GetAttributesResponse");
        type("POST /v3/contacts 201", "CreateContactResponse");
        type("POST /v3/contacts 400", "ContactErrorModel");
        type("GET /v3/contacts/[^/]+ 200", "GetContactInfoResponse");
        type("\\w+ /v3/.* 400", "BadRequestErrorBody");
        type("\\w+ /v3/.* 401", "UnauthorizedErrorBody");
        type("\\w+ /v3/.* 404", "NotFoundErrorBody");
    }

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private BrevoSdkTypes() {
    }

    private static void type(String answer, String definition) {
        TYPES.put(Pattern.compile(answer), definition);
    }

    /** The SDK type an answer has (null: none checked here, such as a 429 or the sandbox's own faults). */
    static String typeOf(String method, String path, int status) {
        String answer = method + " " + path.replaceAll("/$", "") + " " + status;
        return TYPES.entrySet().stream().filter(e -> e.getKey().matcher(answer).matches()).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** What is wrong with the answer as the SDK types it; empty when it conforms or has no type here. */
    static List<String> check(String method, String path, int status, Object answer) {
        String type = typeOf(method, path, status);
        if (type == null) {
            return List.of();
        }
        JsonSchema definition = SCHEMAS.computeIfAbsent(type, t -> FACTORY.getSchema(SchemaLocation.of("classpath:" + SCHEMA + "#/$defs/" + t)));
        return definition.validate(JSON.valueToTree(answer)).stream()
                .map(m -> method + " " + path + " -> " + status + " is not " + type + " (@getbrevo/brevo 6.0.3): " + m.getMessage()).toList();
    }
}
