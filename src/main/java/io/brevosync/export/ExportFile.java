package io.brevosync.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** One file of the exports directory: the exports it declares, read from the canonical YAML DSL. */
public final class ExportFile {

    /** What the name of an export file ends with. */
    static final String SUFFIX = ".camel.yaml";

    /** An export as a file declares it: its templatedRoute's routeId (or null) and parameters as written. */
    record Declared(String file, String routeId, Map<String, String> parameters) {
    }

    private ExportFile() {
    }

    /**
     * The parameters a file of the directory gives the export, as written (for commands run without the server), or
     * empty when none declares it.
     */
    public static Map<String, String> declaredParameters(java.nio.file.Path directory, String exportId) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(directory)) {
            for (java.nio.file.Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                for (Declared d : declarations(file.getFileName().toString(), java.nio.file.Files.readString(file))) {
                    if (exportId.equals(d.parameters().getOrDefault("exportId", "").trim())) {
                        return d.parameters();
                    }
                }
            }
        }
        return Map.of();
    }

    /** The templatedRoutes of a file, in the canonical YAML DSL; anything else in it is an error. */
    static List<Declared> declarations(String file, String yaml) {
        Object document = new Load(LoadSettings.builder().setLabel(file).build()).loadFromString(yaml);
        if (document == null) {
            return List.of();
        }
        if (!(document instanceof List<?> items)) {
            throw new IllegalArgumentException("expected a list of '- templatedRoute:' entries");
        }
        List<Declared> out = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof Map<?, ?> entry) || entry.size() != 1 || !(entry.get("templatedRoute") instanceof Map<?, ?> route)) {
                throw new IllegalArgumentException("every entry must be a '- templatedRoute:' of the " + ExportTemplate.ID + " template (the engine's own routes ship"
                        + " inside the jar), found " + (item instanceof Map<?, ?> m ? m.keySet() : item));
            }
            if (!ExportTemplate.ID.equals(route.get("routeTemplateRef"))) {
                throw new IllegalArgumentException("routeTemplateRef must be " + ExportTemplate.ID + ", found " + route.get("routeTemplateRef"));
            }
            Map<String, String> parameters = new LinkedHashMap<>();
            if (route.get("parameters") instanceof List<?> list) {
                for (Object p : list) {
                    if (!(p instanceof Map<?, ?> pair) || !(pair.get("name") instanceof String name) || !pair.containsKey("value")) {
                        throw new IllegalArgumentException("each parameter must have a name and a value, found " + p);
                    }
                    parameters.put(name, pair.get("value") == null ? "" : String.valueOf(pair.get("value")));
                }
            } else if (route.get("parameters") != null) {
                throw new IllegalArgumentException("parameters must be a list of name/value pairs");
            }
            Object routeId = route.get("routeId");
            out.add(new Declared(file, routeId == null ? null : String.valueOf(routeId), parameters));
        }
        return out;
    }
}
