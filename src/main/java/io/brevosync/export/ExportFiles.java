package io.brevosync.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exports directory: each {@code *.camel.yaml} file in it holds {@code templatedRoute}s of the segment-export
 * template, one per export. It is read again every few seconds and on demand ({@link #read}, the list checks of
 * routes/export-files.camel.yaml, then {@link #apply}, one reload at a time): an export added or changed is checked
 * (its parameters; its query on its source: the columns it reads, its consent policy; its list and attributes in
 * Brevo) and, when valid, put in force; an export no longer declared is taken out. An invalid declaration changes nothing (the version in force, if any, stays), is
 * listed with its error, logged once, and checked again every {@code recheck} or when a reload asks for it; a change
 * to an export whose run is in progress waits for the run to end.
 */
public final class ExportFiles {

    private static final Logger LOG = LoggerFactory.getLogger(ExportFiles.class);

    /** An export in force: its declaration and route. */
    private record InForce(ExportFile.Declared declared, String routeId) {
    }

    private final Path directory;
    private final ExportRegistry registry;
    private final ExportTemplate template;
    private final Function<String, Long> activeRun;
    private final Duration recheck;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, InForce> inForce = new TreeMap<>();
    private final Map<String, ExportReload.Change> waiting = new TreeMap<>();
    private final Map<String, ExportReload.Problem> problems = new TreeMap<>();
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
        this.registry = registry;
        this.template = new ExportTemplate(context, contract);
        this.activeRun = activeRun;
        this.recheck = recheck;
    }

    public Path directory() {
        return directory;
    }

    /**
     * The files as they are now: what would change, each added or changed export already checked but for its list.
     *
     * @param recheckInvalid true (POST /api/exports/reload): an invalid export is checked again now, not only every
     *                       recheck period, so a segment or list just made is found at once
     */
    public synchronized ExportReload read(Boolean recheckInvalid) {
        Map<String, ExportFile.Declared> declared = new LinkedHashMap<>();
        Map<String, ExportReload.Problem> found = new TreeMap<>();
        List<String> unreadable = new ArrayList<>();
        for (Path file : files(found)) {
            String name = file.getFileName().toString();
            try {
                for (ExportFile.Declared d : ExportFile.declarations(name, Files.readString(file))) {
                    String id = d.parameters().getOrDefault("exportId", "").trim();
                    ExportFile.Declared first = declared.putIfAbsent(id, d);
                    if (first != null) {
                        // the declaration in force keeps the export; otherwise the first file by name
                        InForce current = inForce.get(id);
                        ExportFile.Declared twice = d;
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
        List<ExportReload.Change> changes = new ArrayList<>();
        declared.forEach((id, d) -> {
            InForce current = inForce.get(id);
            if (current != null && current.declared().equals(d)) {
                return;
            }
            ExportReload.Change pending = waiting.get(id);
            if (pending != null && d.equals(pending.declared)) {
                changes.add(pending);
                return;
            }
            ExportReload.Problem known = problems.get(key(d.file(), id));
            if (known != null && !Boolean.TRUE.equals(recheckInvalid) && d.parameters().equals(known.parameters())
                    && known.checkedAt().plus(recheck).isAfter(clock.instant())) {
                found.put(key(d.file(), id), known);
                return;
            }
            try {
                Map<String, String> values = template.values(d.parameters());
                ExportDefinition definition = template.parse(values);
                registry.checkQuery(definition);
                changes.add(new ExportReload.Change(id, d, values, definition, false));
            } catch (RuntimeException e) {
                found.put(key(d.file(), id), problem(d.file(), id, e.getMessage(), d.parameters()));
            }
        });
        inForce.forEach((id, current) -> {
            // an export of a file that cannot be read stays as it is; one no longer declared goes
            if (!declared.containsKey(id) && !unreadable.contains(current.declared().file())) {
                changes.add(new ExportReload.Change(id, null, null, null, true));
            }
        });
        report(found);
        return new ExportReload(changes);
    }

    /** Brevo knows the export's list. */
    public void listFound(@ExchangeProperty("exportChange") ExportReload.Change change) {
        change.listChecked = true;
    }

    /** Looking the export's list up in Brevo failed (ExportReload.Change#listNotFound says what that means). */
    public void listNotFound(Exchange exchange, @ExchangeProperty("exportChange") ExportReload.Change change) {
        change.listNotFound(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
    }

    /** Puts the checked changes in force (those of exports with a run in progress wait for it); answers the result. */
    public synchronized Map<String, Object> apply(@Body ExportReload reload) {
        List<String> loaded = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        Map<String, ExportReload.Problem> found = new TreeMap<>(problems);
        // a waiting change the files no longer ask for (changed again, made invalid) is dropped
        waiting.keySet().retainAll(reload.changes.stream().map(c -> c.exportId).toList());
        for (ExportReload.Change change : reload.changes) {
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
                continue;
            }
            ExportReload.Problem problem = putInForce(change);
            if (problem == null) {
                loaded.add(change.exportId);
            } else {
                found.put(key(problem.file(), problem.exportId()), problem);
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
        return problems.values().stream().map(ExportReload.Problem::view).toList();
    }

    /** The file an export in force comes from. */
    public synchronized String fileOf(String exportId) {
        InForce current = inForce.get(exportId);
        return current == null ? null : current.declared().file();
    }

    /** Puts the export in force with its schedule route; answers why it could not be, or null. */
    private ExportReload.Problem putInForce(ExportReload.Change change) {
        ExportDefinition export = change.definition;
        String routeId = change.declared.routeId() != null ? change.declared.routeId() : "export-" + export.id();
        registry.put(export);
        try {
            template.schedule(routeId, export, change.values);
        } catch (Exception e) {
            registry.remove(export.id());
            return problem(change.declared.file(), export.id(), "Export '" + export.id() + "' could not be scheduled: " + oneLine(e.getMessage()),
                    change.declared.parameters());
        }
        inForce.put(export.id(), new InForce(change.declared, routeId));
        LOG.info("Export {} in force from {}: segments {} -> Brevo list {} via connection '{}', cron '{}' ({}){}", export.id(), change.declared.file(),
                export.segments(), export.listId(), export.connection(), export.cron(), export.timeZone(), export.enabled() ? "" : ", disabled");
        return null;
    }

    private void takeOut(String exportId) {
        InForce current = inForce.remove(exportId);
        if (current == null) {
            return;
        }
        try {
            template.unschedule(current.routeId(), exportId);
        } catch (Exception e) {
            LOG.warn("Export {}: its schedule route {} could not be removed: {}", exportId, current.routeId(), oneLine(e.getMessage()));
        }
        registry.remove(exportId);
    }

    /** Logs each problem once (when new, or its message changed), then keeps the set. */
    private void report(Map<String, ExportReload.Problem> found) {
        found.forEach((key, problem) -> {
            ExportReload.Problem before = problems.get(key);
            if (before == null || !before.message().equals(problem.message())) {
                LOG.error("{}{}", problem.message(), problem.exportId() != null && inForce.containsKey(problem.exportId())
                        ? " (the version in force stays)" : " (not in force)");
            }
        });
        problems.clear();
        problems.putAll(found);
    }

    private List<Path> files(Map<String, ExportReload.Problem> found) {
        if (!Files.isDirectory(directory)) {
            found.put(key(directory.toString(), null), problem(directory.toString(), null, "The exports directory " + directory
                    + " does not exist: create it, or set EXPORTS_DIR, and put export files (*.camel.yaml) in it", null));
            return List.of();
        }
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(ExportFile.SUFFIX) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            found.put(key(directory.toString(), null), problem(directory.toString(), null, "The exports directory " + directory + " cannot be read: " + e, null));
            return List.of();
        }
    }

    private ExportReload.Problem problem(String file, String exportId, String message, Map<String, String> parameters) {
        return new ExportReload.Problem(file, exportId, message, parameters, clock.instant());
    }

    private static String key(String file, String exportId) {
        return file + "#" + Objects.requireNonNullElse(exportId, "");
    }

    /** A message on one line, for the log and the API's errors. */
    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
