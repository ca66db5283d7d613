package io.brevosync.export;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.brevo.BrevoFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one read of the exports directory found: the changes a reload would make (the route looks up the list of each
 * added or changed export in Brevo before {@link ExportFiles#apply} puts them in force) and why files or exports are
 * not in force as written.
 */
public final class ExportReload {

    private static final Logger LOG = LoggerFactory.getLogger(ExportReload.class);

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
        final String exportId;
        final ExportFile.Declared declared;
        final Map<String, String> values;
        final ExportDefinition definition;
        boolean listChecked;
        /** the mapping was checked against the account, or needs no check (checkAttributes: false, Brevo out of reach) */
        boolean attributesChecked;
        List<AccountAttributes.NewAttribute> toCreate = List.of();
        String problem;

        Change(String exportId, ExportFile.Declared declared, Map<String, String> values, ExportDefinition definition, boolean listChecked) {
            this.exportId = exportId;
            this.declared = declared;
            this.values = values;
            this.definition = definition;
            this.listChecked = listChecked;
            this.attributesChecked = definition == null || !definition.quality().checkAttributes();
        }

        /** True when the route should look the export's list up in Brevo. */
        public boolean needsListCheck() {
            return definition != null && !listChecked;
        }

        /** True when the route should check the export's mapped attributes against its account: its list was found. */
        public boolean needsAttributeCheck() {
            return definition != null && listChecked && problem == null && !attributesChecked;
        }

        /** The attributes the account lacks that the export creates (createAttributes: true), once checked. */
        public List<AccountAttributes.NewAttribute> getAttributesToCreate() {
            return problem == null ? toCreate : List.of();
        }

        public String getExportId() {
            return exportId;
        }

        public String getConnection() {
            return definition.connection();
        }

        public String getListPath() {
            return "/contacts/lists/" + definition.listId();
        }

        /**
         * Looking the list up failed: a 404 (no such list) or a refused key makes the export invalid; Brevo being out
         * of reach does not (the export is put in force, and its runs will say so).
         */
        void listNotFound(Exception failure) {
            int status = BrevoFailures.status(failure);
            ExportDefinition export = definition;
            if (status == 404) {
                problem = "Export '" + export.id() + "' is misconfigured: Brevo list " + export.listId() + " does not exist in the account of connection '"
                        + export.connection() + "'";
            } else if (keyRefused(status)) {
                problem = keyRefusedProblem(status);
            } else {
                LOG.warn("Export {}: could not look up Brevo list {} ({}); the export is put in force unchecked", export.id(), export.listId(),
                        failure == null ? "no answer" : BrevoFailures.describe(failure));
                listChecked = true;
            }
        }

        /** The account's attributes: a mapped one it lacks or of a type that does not take the values makes the export invalid. */
        void checkAttributes(Map<String, String> types) {
            List<AccountAttributes.NewAttribute> create = new ArrayList<>();
            List<String> problems = AccountAttributes.problems(definition, types, create);
            attributesChecked = true;
            toCreate = create;
            if (!problems.isEmpty()) {
                problem = ExportParameters.invalid(definition.id(), String.join("; ", problems)).getMessage();
            }
        }

        /** Reading the account's attributes failed: a refused key makes the export invalid, Brevo out of reach does not. */
        void attributesNotRead(Exception failure) {
            int status = BrevoFailures.status(failure);
            if (keyRefused(status)) {
                problem = keyRefusedProblem(status);
            } else {
                LOG.warn("Export {}: could not read the attributes of the Brevo account of connection '{}' ({}); the export is put in force with its "
                        + "mapping unchecked", definition.id(), definition.connection(), failure == null ? "no answer" : BrevoFailures.describe(failure));
            }
            attributesChecked = true;
        }

        private static boolean keyRefused(int status) {
            return status == 401 || status == 403;
        }

        /** A refused key makes the export invalid, whichever look-up found it. */
        private String keyRefusedProblem(int status) {
            return "Export '" + definition.id() + "' cannot be checked: Brevo refused the API key of connection '" + definition.connection() + "' (" + status
                    + ")";
        }

        /** Brevo did not create an attribute the export needs: it is not put in force (checked again at the next reload). */
        void attributeNotCreated(AccountAttributes.NewAttribute attribute, Exception failure) {
            problem = ExportParameters.invalid(definition.id(), "the Brevo attribute " + attribute.name() + " (" + attribute.brevoType()
                    + ") could not be created in the account of connection '" + definition.connection() + "': "
                    + (failure == null ? "no answer" : BrevoFailures.describe(failure))).getMessage();
        }
    }

    final List<Change> changes;

    ExportReload(List<Change> changes) {
        this.changes = changes;
    }

    /** The changes whose Brevo list is still to be looked up. */
    public List<Change> getListChecks() {
        return changes.stream().filter(Change::needsListCheck).toList();
    }

    /** The changes whose mapped attributes are still to be checked against their Brevo account. */
    public List<Change> getAttributeChecks() {
        return changes.stream().filter(Change::needsAttributeCheck).toList();
    }
}
