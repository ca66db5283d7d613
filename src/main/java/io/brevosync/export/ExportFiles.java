package io.brevosync.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteTemplateDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The exports directory: each {@code *.camel.yaml} file in it holds {@code templatedRoute}s of the segment-export
 * template, one per export. It is read again every few seconds and on demand ({@link #read} then {@link #apply}, one
 * reload at a time): an export added or changed is checked (its parameters, its segments, its list in Brevo) and, when
 * valid, put in force with its schedule route; an export no longer declared is taken out. An invalid declaration
 * changes nothing (the version in force, if any, stays), is listed with its error, logged once, and checked again
 * every {@code recheck}; a change to an export whose run is in progress waits for the run to end.
 */
public final class ExportFiles {

    static final String TEMPLATE = "segment-export";
    private static final Logger LOG = LoggerFactory.getLogger(ExportFiles.class);

    /** An export as a file declares it. */
    private record Declared(String file, String routeId, Map<String, String> parameters) {
    }

    /** An export in force: its declaration and route. */
    private record InForce(Declared declared, String routeId) {
    }

    /** Why a file, or one export of it, is not in force as written. */
    public record Problem(String file, String exportId, String message, Map<String, String> parameters, Instant checkedAt) {
        public Map<String, Object> view() {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("file", file);
            if (exportId != null) {
                view.put("exportId", exportId);
            }
            view.put("error", message);
            return view;
        }
    }

    /** One change a reload would make; the route checks the list of each added or changed export in Brevo. */
    public static final class Change {
        private final String exportId;
        private final Declared declared;
        private final Map<String, String> values;
        private final ExportDefinition definition;
        private boolean listChecked;
        private String problem;

        private Change(String exportId, Declared declared, Map<String, String> values, ExportDefinition definition, boolean listChecked) {
            this.exportId = exportId;
            this.declared = declared;
            this.values = values;
            this.definition = definition;
            this.listChecked = listChecked;
        }

        /** True when the route should look the export's list up in Brevo. */
        public boolean needsListCheck() {
            return definition != null && !listChecked;
        }

        public String getConnection() {
            return definition.connection();
        }

        public String getListPath() {
            return "/contacts/lists/" + definition.listId();
        }
    }

    /** What one reload found: the changes, checked by the route, then applied. */
    public static final class Reload {
        private final List<Change> changes;

        private Reload(List<Change> changes) {
            this.changes = changes;
        }

        public List<Change> getListChecks() {
            return changes.stream().filter(Change::needsListCheck).toList();
        }
    }

    private final Path directory;
    private final CamelContext context;
    private final ExportRegistry registry;
    private final Function<List<ExportParameters.Declared>, ExportParameters> contract;
    private volatile ExportParameters parameters;
    private final Function<String, Long> activeRun;
    private final Duration recheck;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, InForce> inForce = new TreeMap<>();
    private final Map<String, Change> waiting = new TreeMap<>();
    private final Map<String, Problem> problems = new TreeMap<>();
    private int reloads;

    /**
     * @param contract makes the parser of exports from the parameters the template declares
     * @param activeRun the id of an export's run in progress on this server, or null
     * @param recheck how often an invalid export is checked again although its file did not change (its segments may
     *     have been created since)
     */
    public ExportFiles(Path directory, CamelContext context, ExportRegistry registry, Function<List<ExportParameters.Declared>, ExportParameters> contract,
            Function<String, Long> activeRun, Duration recheck) {
        this.directory = directory.toAbsolutePath().normalize();
        this.context = context;
        this.registry = registry;
        this.contract = contract;
        this.activeRun = activeRun;
        this.recheck = recheck;
    }

    public Path directory() {
        return directory;
    }

    /** The files as they are now: what would change, each added or changed export already checked but for its list. */
    public synchronized Reload read() {
        Map<String, Declared> declared = new LinkedHashMap<>();
        Map<String, Problem> found = new TreeMap<>();
        List<String> unreadable = new ArrayList<>();
        for (Path file : files(found)) {
            String name = file.getFileName().toString();
            try {
                for (Declared d : declarations(name, Files.readString(file))) {
                    String id = d.parameters().getOrDefault("exportId", "").trim();
                    Declared first = declared.putIfAbsent(id, d);
                    if (first != null) {
                        // the declaration in force keeps the export; otherwise the first file by name
                        InForce current = inForce.get(id);
                        Declared twice = d;
                        if (current != null && current.declared().file().equals(name) && !first.file().equals(name)) {
                            declared.put(id, d);
                            twice = first;
                        }
                        String kept = declared.get(id).file();
                        found.put(key(twice.file(), id), problem(twice.file(), id, "Export '" + id + "' is declared twice: also in " + kept + " (that one is"
                                + " used); give this one another exportId", twice.parameters()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                unreadable.add(name);
                found.put(key(name, null), problem(name, null, name + " is not a valid exports file: " + oneLine(e.getMessage()), null));
            }
        }
        List<Change> changes = new ArrayList<>();
        declared.forEach((id, d) -> {
            InForce current = inForce.get(id);
            if (current != null && current.declared().equals(d)) {
                return;
            }
            Change pending = waiting.get(id);
            if (pending != null && d.equals(pending.declared)) {
                changes.add(pending);
                return;
            }
            Problem known = problems.get(key(d.file(), id));
            if (known != null && d.parameters().equals(known.parameters()) && known.checkedAt().plus(recheck).isAfter(clock.instant())) {
                found.put(key(d.file(), id), known);
                return;
            }
            try {
                Map<String, String> values = resolved(parameters().withDefaults(d.parameters()));
                ExportDefinition definition = parameters().parse(values);
                registry.checkSegments(definition);
                changes.add(new Change(id, d, values, definition, false));
            } catch (RuntimeException e) {
                found.put(key(d.file(), id), problem(d.file(), id, e.getMessage(), d.parameters()));
            }
        });
        inForce.forEach((id, current) -> {
            // an export of a file that cannot be read stays as it is; one no longer declared goes
            if (!declared.containsKey(id) && !unreadable.contains(current.declared().file())) {
                changes.add(new Change(id, null, null, null, true));
            }
        });
        report(found);
        return new Reload(changes);
    }

    /** Brevo knows the export's list. */
    public void listFound(@ExchangeProperty("exportChange") Change change) {
        change.listChecked = true;
    }

    /**
     * Looking the list up failed: a 404 (no such list) or a refused key makes the export invalid; Brevo being out of
     * reach does not (the export is put in force, and its runs will say so).
     */
    public void listNotFound(Exchange exchange, @ExchangeProperty("exportChange") Change change) {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ExportDefinition export = change.definition;
        if (failure instanceof HttpOperationFailedException http && http.getStatusCode() == 404) {
            change.problem = "Export '" + export.id() + "' is misconfigured: Brevo list " + export.listId() + " does not exist in the account of connection '"
                    + export.connection() + "'";
        } else if (failure instanceof HttpOperationFailedException http && (http.getStatusCode() == 401 || http.getStatusCode() == 403)) {
            change.problem = "Export '" + export.id() + "' cannot be checked: Brevo refused the API key of connection '" + export.connection() + "' ("
                    + http.getStatusCode() + ")";
        } else {
            LOG.warn("Export {}: could not look up Brevo list {} ({}); the export is put in force unchecked", export.id(), export.listId(),
                    failure == null ? "no answer" : oneLine(failure.getMessage()));
            change.listChecked = true;
        }
    }

    /** Puts the checked changes in force (those of exports with a run in progress wait for it); answers the result. */
    public synchronized Map<String, Object> apply(@Body Reload reload) {
        List<String> loaded = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        Map<String, Problem> found = new TreeMap<>(problems);
        // a waiting change the files no longer ask for (changed again, made invalid) is dropped
        waiting.keySet().retainAll(reload.changes.stream().map(c -> c.exportId).toList());
        for (Change change : reload.changes) {
            if (change.problem != null) {
                found.put(key(change.declared.file(), change.exportId), problem(change.declared.file(), change.exportId, change.problem,
                        change.declared.parameters()));
                continue;
            }
            Long run = activeRun.apply(change.exportId);
            if (run != null) {
                if (waiting.put(change.exportId, change) == null) {
                    LOG.info("Export {}: its file changed during run {}; the change takes effect when the run ends", change.exportId, run);
                }
                continue;
            }
            waiting.remove(change.exportId);
            takeOut(change.exportId);
            if (change.definition == null) {
                removed.add(change.exportId);
                LOG.info("Export {} removed: it is no longer declared in {}", change.exportId, directory);
            } else {
                putInForce(change);
                loaded.add(change.exportId);
            }
        }
        report(found);
        reloads++;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("directory", directory.toString());
        answer.put("loaded", loaded);
        answer.put("removed", removed);
        answer.put("waiting", waiting());
        answer.put("exports", List.copyOf(inForce.keySet()));
        answer.put("errors", errors());
        return answer;
    }

    /** How many reloads have been applied since start-up. */
    public synchronized int reloads() {
        return reloads;
    }

    /** Exports whose change waits for their run to end, with the run's id. */
    public synchronized Map<String, Object> waiting() {
        Map<String, Object> out = new TreeMap<>();
        waiting.keySet().forEach(id -> out.put(id, "waits for run " + activeRun.apply(id) + " to end"));
        return out;
    }

    /** The files and exports that are not in force as written, with their errors. */
    public synchronized List<Map<String, Object>> errors() {
        return problems.values().stream().map(Problem::view).toList();
    }

    /** The file an export in force comes from. */
    public synchronized String fileOf(String exportId) {
        InForce current = inForce.get(exportId);
        return current == null ? null : current.declared().file();
    }

    private void putInForce(Change change) {
        ExportDefinition export = change.definition;
        String routeId = change.declared.routeId() != null ? change.declared.routeId() : "export-" + export.id();
        registry.put(export);
        try {
            // the schedule: the template's route fires the export's cron in its time zone
            Map<String, Object> values = new LinkedHashMap<>(change.values);
            values.putAll(Map.of("exportId", export.id(), "cron", export.cron(), "timeZone", export.timeZone()));
            context.addRouteFromTemplate(routeId, TEMPLATE, values);
        } catch (Exception e) {
            registry.remove(export.id());
            String file = change.declared.file();
            problems.put(key(file, export.id()), problem(file, export.id(), "Export '" + export.id() + "' could not be scheduled: " + oneLine(e.getMessage()),
                    change.declared.parameters()));
            LOG.error("Export {} could not be scheduled: {}", export.id(), oneLine(e.getMessage()));
            return;
        }
        inForce.put(export.id(), new InForce(change.declared, routeId));
        LOG.info("Export {} in force from {}: segments {} -> Brevo list {} via connection '{}', cron '{}' ({}){}", export.id(), change.declared.file(),
                export.segments(), export.listId(), export.connection(), export.cron(), export.timeZone(), export.enabled() ? "" : ", disabled");
    }

    private void takeOut(String exportId) {
        InForce current = inForce.remove(exportId);
        if (current == null) {
            return;
        }
        try {
            context.getRouteController().stopRoute(current.routeId());
            context.removeRoute(current.routeId());
        } catch (Exception e) {
            LOG.warn("Export {}: its schedule route {} could not be removed: {}", exportId, current.routeId(), oneLine(e.getMessage()));
        }
        registry.remove(exportId);
    }

    /** Logs each problem once (when new, or its message changed), then keeps the set. */
    private void report(Map<String, Problem> found) {
        found.forEach((key, problem) -> {
            Problem before = problems.get(key);
            if (before == null || !before.message().equals(problem.message())) {
                LOG.error("{}{}", problem.message(), problem.exportId() != null && inForce.containsKey(problem.exportId())
                        ? " (the version in force stays)" : " (not in force)");
            }
        });
        problems.clear();
        problems.putAll(found);
    }

    private List<Path> files(Map<String, Problem> found) {
        if (!Files.isDirectory(directory)) {
            found.put(key(directory.toString(), null), problem(directory.toString(), null, "The exports directory " + directory
                    + " does not exist: create it, or set EXPORTS_DIR, and put export files (*.camel.yaml) in it", null));
            return List.of();
        }
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(".camel.yaml") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            found.put(key(directory.toString(), null), problem(directory.toString(), null, "The exports directory " + directory + " cannot be read: " + e, null));
            return List.of();
        }
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
                throw new IllegalArgumentException("every entry must be a '- templatedRoute:' of the " + TEMPLATE + " template (the engine's own routes ship"
                        + " inside the jar), found " + (item instanceof Map<?, ?> m ? m.keySet() : item));
            }
            if (!TEMPLATE.equals(route.get("routeTemplateRef"))) {
                throw new IllegalArgumentException("routeTemplateRef must be " + TEMPLATE + ", found " + route.get("routeTemplateRef"));
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

    /** The parser of the template's parameters, made once the template is loaded. */
    private ExportParameters parameters() {
        if (parameters == null) {
            RouteTemplateDefinition template = ((ModelCamelContext) context).getRouteTemplateDefinition(TEMPLATE);
            parameters = contract.apply(template.getTemplateParameters().stream()
                    .map(p -> new ExportParameters.Declared(p.getName(), p.getDefaultValue(), Boolean.TRUE.equals(p.getRequired()))).toList());
        }
        return parameters;
    }

    /** {{env:NAME}} and {{property}} placeholders in parameter values, resolved as in any route file. */
    private Map<String, String> resolved(Map<String, String> parameters) {
        Map<String, String> out = new LinkedHashMap<>();
        parameters.forEach((k, v) -> {
            try {
                out.put(k, context.resolvePropertyPlaceholders(v));
            } catch (IllegalArgumentException e) {
                throw ExportParameters.invalid(parameters.getOrDefault("exportId", ""), k + ": " + oneLine(e.getMessage()));
            }
        });
        return out;
    }

    private Problem problem(String file, String exportId, String message, Map<String, String> parameters) {
        return new Problem(file, exportId, message, parameters, clock.instant());
    }

    private static String key(String file, String exportId) {
        return file + "#" + Objects.requireNonNullElse(exportId, "");
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
