package io.brevosync;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every route file (the engine's and the exports files) is valid against the camel-yaml-dsl 4.18 schema and written in the canonical form. */
class RouteFilesTest {

    /** The schema, read and compiled once for every file (a second each otherwise). */
    private static JsonSchema schema;

    private static synchronized JsonSchema schema() throws java.io.IOException {
        if (schema == null) {
            try (InputStream in = YamlRoutesBuilderLoader.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
            }
        }
        return schema;
    }

    static Stream<Path> routeFiles() throws Exception {
        return Stream.of("routes", "routes/exports", "src/test/resources/test-exports").flatMap(RouteFilesTest::list)
                .filter(p -> p.toString().endsWith(".camel.yaml")).sorted();
    }

    private static Stream<Path> list(String dir) {
        try {
            return Files.list(Path.of(dir));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routeFiles")
    void valid_against_the_camel_yaml_dsl_schema(Path file) throws Exception {
        JsonNode routes = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        Set<ValidationMessage> errors = schema().validate(routes);
        assertEquals(Set.of(), errors, file + " is not valid against camelYamlDsl.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routeFiles")
    void canonical_form_only(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file);
        for (String line : lines) {
            assertFalse(line.matches("^\\s*-\\s*from:.*"), file + ": top-level from (compact form): " + line);
            assertFalse(line.matches("^\\s*(log|simple|to|toD): +[^{\\s].*") && !line.contains("uri:"), file + ": scalar shorthand: " + line);
            assertFalse(line.matches("^\\s*[a-z]+(-[a-z]+)+:.*"), file + ": kebab-case key: " + line);
        }
    }
}
