package io.brevosync.sandbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import org.junit.jupiter.api.Assumptions;

/**
 * Brevo's official OpenAPI definition (../shared/reference/brevo-openapi, the February 2026 revision) as the validator
 * of requests; answers are checked against the official SDK's current types ({@link BrevoSdkTypes}), which overrule
 * that revision where Brevo changed since (process reports, statuses, 404 codes), and against the definition where the
 * SDK types none. Tests that use it are skipped, with a message, where the definition is not on the machine.
 */
public final class BrevoContract {

    public static final String DEFINITION = "swagger_definition_v3.2026-02.reserialized.yaml";

    private static OpenApiInteractionValidator validator;

    private BrevoContract() {
    }

    /** The validator, or the calling test is skipped with the reason. */
    public static synchronized OpenApiInteractionValidator validator() {
        if (validator == null) {
            Path file = Path.of(System.getProperty("brevo.openapi.dir", "../shared/reference/brevo-openapi")).resolve(DEFINITION);
            if (!Files.isReadable(file)) {
                System.err.println("SKIPPED: Brevo OpenAPI contract checks need " + file.toAbsolutePath() + ", which is not on this machine");
            }
            Assumptions.assumeTrue(Files.isReadable(file), "Brevo's OpenAPI definition is not at " + file.toAbsolutePath() + "; contract checks skipped");
            ParseOptions options = new ParseOptions();
            options.setResolve(true);
            OpenAPI api = new OpenAPIV3Parser().read(file.toString(), null, options);
            requireListMembershipIdentifiers(api);
            relaxValidatorLimits(api);
            // allOf merged before validation, and extra properties allowed as OpenAPI itself allows them (the
            // validator's own default forbids them, which fails Brevo's allOf and free-form attributes schemas)
            validator = OpenApiInteractionValidator.createFor(api).withBasePathOverride("/v3").withResolveCombinators(true)
                    .withLevelResolver(LevelResolver.create().withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE).build())
                    .build();
        }
        return validator;
    }

    /**
     * The definition's list add/remove bodies are a oneOf of branches that each list one property but require none,
     * so a valid {"emails": [...]} matches every branch and a strict validator rejects it ("must match exactly one").
     * Each branch is made to require its own property, in memory only; the 150-item limits stay as defined.
     */
    private static void requireListMembershipIdentifiers(OpenAPI api) {
        for (String action : new String[] {"add", "remove"}) {
            Operation post = api.getPaths().get("/contacts/lists/{listId}/contacts/" + action).getPost();
            Schema<?> body = post.getRequestBody().getContent().get("application/json").getSchema();
            for (Schema<?> branch : body.getOneOf()) {
                Schema<?> resolved = branch.get$ref() == null ? branch
                        : api.getComponents().getSchemas().get(branch.get$ref().substring(branch.get$ref().lastIndexOf('/') + 1));
                if (resolved.getRequired() == null && resolved.getProperties() != null && resolved.getProperties().size() == 1) {
                    resolved.setRequired(new ArrayList<>(resolved.getProperties().keySet()));
                }
            }
        }
    }

    /**
     * Two spots the validator cannot read as Brevo means them: the contact identifier path parameter is a oneOf of
     * string and integer (the validator tries to parse "a%40example.com" as JSON), and the list add/remove answer's
     * success/failure arrays are a oneOf of email and id arrays that an empty array matches twice. Both become the
     * looser form (string; anyOf), in memory only.
     */
    private static void relaxValidatorLimits(OpenAPI api) {
        api.getPaths().get("/contacts/{identifier}").readOperations().forEach(operation -> operation.getParameters().stream()
                .filter(p -> p.getName().equals("identifier")).forEach(p -> p.setSchema(new StringSchema())));
        for (String action : new String[] {"add", "remove"}) {
            Schema<?> answer = api.getPaths().get("/contacts/lists/{listId}/contacts/" + action).getPost().getResponses().get("201")
                    .getContent().get("application/json").getSchema();
            if (answer.get$ref() != null) {
                answer = api.getComponents().getSchemas().get(answer.get$ref().substring(answer.get$ref().lastIndexOf('/') + 1));
            }
            Schema<?> contacts = answer.getProperties().get("contacts");
            for (Schema<?> array : contacts.getProperties().values()) {
                if (array.getOneOf() != null) {
                    array.setAnyOf(array.getOneOf());
                    array.setOneOf(null);
                }
            }
        }
    }

    /** Validates one exchange seen by the sandbox: the request, then the answer; answers the problems found, empty when both conform. */
    public static List<String> check(String method, String path, String query, Map<String, String> headers, byte[] body, int status, Object answer) {
        try {
            SimpleRequest.Builder request = new SimpleRequest.Builder(Request.Method.valueOf(method), path);
            headers.forEach(request::withHeader);
            if (query != null) {
                for (String pair : query.split("&")) {
                    String[] kv = pair.split("=", 2);
                    request.withQueryParam(kv[0], kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
                }
            }
            if (body.length > 0) {
                request.withBody(new String(body, StandardCharsets.UTF_8));
            }
            Request sent = request.build();
            ValidationReport report = validator().validateRequest(sent);
            List<String> problems = new ArrayList<>();
            if (BrevoSdkTypes.typeOf(method, path, status) != null) {
                problems.addAll(BrevoSdkTypes.check(method, path, status, answer));
            } else {
                SimpleResponse.Builder response = SimpleResponse.Builder.status(status).withContentType("application/json");
                if (answer != null) {
                    response.withBody(new ObjectMapper().writeValueAsString(answer));
                }
                report = report.merge(validator().validateResponse(sent.getPath(), sent.getMethod(), response.build()));
            }
            report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                    .map(m -> method + " " + path + " -> " + status + ": " + m.getMessage() + (m.getNestedMessages().isEmpty() ? ""
                            : " " + m.getNestedMessages().stream().map(n -> n.getMessage()).toList())).forEach(problems::add);
            return problems;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return List.of(method + " " + path + ": answer not JSON: " + e.getMessage());
        }
    }
}
