package io.brevosync.export;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteTemplateDefinition;
import org.quartz.JobKey;

/**
 * The segment-export template of the Camel context (routes/export-run.camel.yaml): the parameters it declares are the
 * contract every export is parsed with, and its route is an export's schedule.
 */
final class ExportTemplate {

    static final String ID = "segment-export";
    /** The template of reconciling runs on a schedule (quartz:reconcile/{exportId}), and its routes' id suffix */
    private static final String RECONCILE_ID = "segment-reconcile";
    private static final String RECONCILE_SUFFIX = "-reconcile";

    private final CamelContext context;
    private final Function<List<ExportParameters.Declared>, ExportParameters> contract;
    private volatile ExportParameters parameters;

    ExportTemplate(CamelContext context, Function<List<ExportParameters.Declared>, ExportParameters> contract) {
        this.context = context;
        this.contract = contract;
    }

    /** An export's values as the template reads them: defaults applied, {{env:NAME}} and {{setting}} placeholders resolved. */
    Map<String, String> values(Map<String, String> given) {
        Map<String, String> out = new LinkedHashMap<>();
        parameters().withDefaults(given).forEach((k, v) -> {
            try {
                out.put(k, context.resolvePropertyPlaceholders(v));
            } catch (IllegalArgumentException e) {
                throw ExportParameters.invalid(given.getOrDefault("exportId", ""), k + ": " + ExportFiles.oneLine(e.getMessage()));
            }
        });
        return out;
    }

    ExportDefinition parse(Map<String, String> values) {
        return parameters().parse(values);
    }

    /**
     * Makes the export's schedule: the template's route, firing the export's cron in its time zone; with a
     * reconcileCron, a route of the segment-reconcile template too (routes/reconcile.camel.yaml).
     */
    void schedule(String routeId, ExportDefinition export, Map<String, String> values) throws Exception {
        Map<String, Object> route = new LinkedHashMap<>(values);
        route.putAll(Map.of("exportId", export.id(), "cron", export.cron(), "timeZone", export.timeZone()));
        context.addRouteFromTemplate(routeId, ID, route);
        if (!export.reconcileCron().isEmpty()) {
            context.addRouteFromTemplate(routeId + RECONCILE_SUFFIX, RECONCILE_ID, Map.of("exportId", export.id(), "reconcileCron", export.reconcileCron(),
                    "timeZone", export.timeZone()));
        }
    }

    /**
     * Removes the export's schedules. In a cluster Quartz keeps a removed route's trigger for the other nodes (a node
     * that stops must not take the schedule away from them): an export that is taken out has its jobs (Quartz groups
     * exports and reconcile of the templates' quartz URIs) deleted here.
     */
    void unschedule(String routeId, String exportId) throws Exception {
        for (String id : List.of(routeId, routeId + RECONCILE_SUFFIX)) {
            if (context.getRoute(id) != null) {
                context.getRouteController().stopRoute(id);
                context.removeRoute(id);
            }
        }
        if (context.hasComponent("quartz") instanceof QuartzComponent quartz && quartz.getScheduler() != null) {
            quartz.getScheduler().deleteJob(JobKey.jobKey(exportId, "exports"));
            quartz.getScheduler().deleteJob(JobKey.jobKey(exportId, "reconcile"));
        }
    }

    /** The parser of the template's parameters, made once the template is loaded. */
    private ExportParameters parameters() {
        if (parameters == null) {
            RouteTemplateDefinition template = ((ModelCamelContext) context).getRouteTemplateDefinition(ID);
            parameters = contract.apply(template.getTemplateParameters().stream()
                    .map(p -> new ExportParameters.Declared(p.getName(), p.getDefaultValue(), Boolean.TRUE.equals(p.getRequired()))).toList());
        }
        return parameters;
    }
}
