package io.brevosync.run;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.brevosync.brevo.BrevoAnswers;
import io.brevosync.brevo.BrevoConnections;
import io.brevosync.brevo.ImportReport;
import io.brevosync.brevo.ReportLinks;
import io.brevosync.export.ExportRow;
import io.brevosync.observe.ExportMetrics;
import io.brevosync.sync.SyncState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Brevo says back of a completed import, made the outcome of the very rows it concerns. Since 2026-04 a completed
 * import links to a CSV report per kind of problem; each line is matched to the row of the batch that carried it (by
 * its email, else its SMS number): an address Brevo refused (invalid_emails, duplicate_email_id, _ext_id, _contact_id)
 * is rejected with Brevo's reason, not delivered, and not sent again until it changes; an SMS number another contact
 * holds (duplicate_phone_id) gets the export's identifierConflict policy at once, with no look-up; a WhatsApp or
 * landline number is noted on the row. A report that cannot be read is a warning of the run: its SMS numbers are
 * found by today's look-ups instead, any other batch's rows are sent again by the next run. The older integer
 * counters only count, and start those look-ups.
 */
public final class ProcessReports {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessReports.class);
    /** The kinds of report that refuse the row's address (the row is not in Brevo as sent). */
    private static final List<String> REFUSING = List.of("invalid_emails", "duplicate_email_id", "duplicate_ext_id", "duplicate_contact_id");
    private static final String PHONES = "duplicate_phone_id";

    private final RunLedger ledger;
    private final SyncState sync;
    private final PhoneConflicts phones;
    private final ReportLinks links;
    private final BrevoConnections connections;
    private final ExportMetrics metrics;

    public ProcessReports(RunLedger ledger, SyncState sync, PhoneConflicts phones, ReportLinks links, BrevoConnections connections, ExportMetrics metrics) {
        this.ledger = ledger;
        this.sync = sync;
        this.phones = phones;
        this.links = links;
        this.connections = connections;
        this.metrics = metrics;
    }

    /** What the reports of one completed batch named, row by row. */
    private static final class Findings {
        /** row → Brevo's code and the reason recorded */
        final Map<RowLedger.NamedRow, String[]> refused = new LinkedHashMap<>();
        final List<PhoneConflicts.Sent> phones = new ArrayList<>();
        /** rows noted (a WhatsApp or landline number Brevo left out): {profile id, email, action, outcome, code, reason} */
        final List<String[]> noted = new ArrayList<>();
        int invalid;
        int duplicates;
        boolean phonesUnread;
        boolean unconfirmed;
    }

    /**
     * The batch's import completed: its rows become the sync state but those the reports refused, which are recorded
     * with Brevo's reason. run is null for an import an interrupted run sent (its rows are then checked again by the
     * next run where the reports call for the export's policy).
     */
    void completed(ExportRun run, long runId, String exportId, String connection, int batchNo, BrevoAnswers.Process process) throws SQLException {
        if (process.reports().isEmpty()) {
            // the older counters (an older Brevo, or the sandbox's form "counters"): counts only
            int phonesRefused = process.count(PHONES);
            ledger.rows().problems(runId, process.count("invalid_emails"), process.counts().values().stream().mapToInt(Integer::intValue).sum()
                    - process.count("invalid_emails"));
            sync.delivered(exportId, runId, batchNo, run != null && run.startedWithoutSyncState());
            if (phonesRefused > 0 && run != null) {
                run.phoneConflictsIn(batchNo, phonesRefused);
            }
            return;
        }
        Findings found = read(runId, connection, batchNo, process, run != null);
        ledger.rows().problems(runId, found.invalid, found.duplicates);
        ledger.rows().rowOutcomes(runId, found.noted);
        List<RowLedger.NamedRow> refused = List.copyOf(found.refused.keySet());
        if (!refused.isEmpty()) {
            ledger.rows().refused(runId, batchNo, refused, found.refused.values().stream().map(r -> r[0]).toList(),
                    found.refused.values().stream().map(r -> r[1]).toList());
        }
        sync.delivered(exportId, runId, batchNo, run != null && run.startedWithoutSyncState());
        if (!refused.isEmpty()) {
            sync.refused(exportId, refused.stream().map(RowLedger.NamedRow::profileId).toArray(String[]::new),
                    refused.stream().map(RowLedger.NamedRow::hash).toArray(Long[]::new), found.refused.values().stream().map(r -> r[1]).toArray(String[]::new));
        }
        if (run != null && !found.phones.isEmpty()) {
            phones.reported(run, found.phones);
        } else if (!found.phones.isEmpty()) {
            sync.resend(exportId, found.phones.stream().map(PhoneConflicts.Sent::profileId).toList());
        }
        if (found.phonesUnread && run != null) {
            run.phoneConflictsIn(batchNo, PhoneConflicts.UNKNOWN);
        }
        if (found.unconfirmed) {
            sync.resendBatch(exportId, runId, batchNo);
        }
    }

    /**
     * Every report of the process, read, then matched to the rows of the batch in PostgreSQL (only the rows named
     * leave it); one that cannot be read becomes a warning.
     */
    private Findings read(long runId, String connection, int batchNo, BrevoAnswers.Process process, boolean ownRun) throws SQLException {
        Findings found = new Findings();
        Map<String, List<ImportReport.Line>> reports = new LinkedHashMap<>();
        for (Map.Entry<String, String> report : process.reports().entrySet()) {
            String kind = report.getKey();
            try {
                reports.put(kind, ImportReport.parse(links.fetch(report.getValue(), connections.baseUrl(connection))));
                metrics.importReport(connection, kind, true);
            } catch (ReportLinks.Unreadable | RuntimeException e) {
                // whatever goes wrong with a report is a warning of the run, never its failure
                metrics.importReport(connection, kind, false);
                boolean lookUp = kind.equals(PHONES) && ownRun;
                found.phonesUnread |= lookUp;
                found.unconfirmed |= !lookUp;
                warn(runId, "Brevo's " + kind + " report of import " + process.id() + " (batch " + batchNo + ") could not be read: "
                        + (e instanceof ReportLinks.Unreadable ? e.getMessage() : e.getClass().getSimpleName()) + (lookUp ? "; its SMS numbers are looked up instead"
                                : "; the batch's rows count as delivered but are sent again by the next run, which reads Brevo's report again"));
            }
        }
        Set<String> emails = new HashSet<>();
        Set<String> numbers = new HashSet<>();
        reports.values().forEach(lines -> lines.forEach(line -> {
            Optional.ofNullable(line.identifiers().get("EMAIL")).ifPresent(email -> emails.add(email.trim().toLowerCase(Locale.ROOT)));
            Optional.ofNullable(line.identifiers().get("SMS")).ifPresent(sms -> numbers.add(PhoneConflicts.digits(sms)));
        }));
        Map<String, RowLedger.NamedRow> byEmail = new HashMap<>();
        Map<String, RowLedger.NamedRow> byNumber = new HashMap<>();
        for (RowLedger.NamedRow row : emails.isEmpty() && numbers.isEmpty() ? List.<RowLedger.NamedRow>of()
                : ledger.rows().namedRows(runId, batchNo, emails.toArray(String[]::new), numbers.toArray(String[]::new))) {
            byEmail.putIfAbsent(row.email().toLowerCase(Locale.ROOT), row);
            if (row.phone() != null) {
                byNumber.putIfAbsent(PhoneConflicts.digits(row.phone()), row);
            }
        }
        for (Map.Entry<String, List<ImportReport.Line>> report : reports.entrySet()) {
            int unmatched = 0;
            for (ImportReport.Line line : report.getValue()) {
                String email = line.identifiers().get("EMAIL");
                String sms = line.identifiers().get("SMS");
                RowLedger.NamedRow row = email != null ? byEmail.get(email.trim().toLowerCase(Locale.ROOT))
                        : sms != null ? byNumber.get(PhoneConflicts.digits(sms)) : null;
                if (row == null) {
                    unmatched++;
                } else {
                    record(found, report.getKey(), row, line);
                }
            }
            if (unmatched > 0) {
                // (a line naming its row by another identifier than the address or number sent): what it refused is not known
                found.unconfirmed = true;
                if (report.getKey().equals("invalid_emails")) {
                    found.invalid += unmatched;
                } else {
                    found.duplicates += unmatched;
                }
                warn(runId, unmatched + " line(s) of Brevo's " + report.getKey() + " report of import " + process.id() + " named no row of batch " + batchNo
                        + " by its address or number; the batch's rows count as delivered but are sent again by the next run");
            }
        }
        return found;
    }

    private void warn(long runId, String warning) throws SQLException {
        LOG.warn("{}", warning);
        ledger.warn(runId, warning);
    }

    /** One line of a report, matched to its row. */
    private static void record(Findings found, String kind, RowLedger.NamedRow row, ImportReport.Line line) {
        String why = line.reason() == null ? kind.replace('_', ' ') : line.reason();
        if (kind.equals("invalid_emails")) {
            found.invalid++;
        } else {
            found.duplicates++;
        }
        if (kind.equals("duplicate_email_id") && row.sameAddress() > 1) {
            return; // the same profile's address twice in the batch (its query returned it twice): Brevo imported it once
        }
        if (REFUSING.contains(kind)) {
            found.refused.putIfAbsent(row, new String[] {kind, "Brevo did not import it (" + kind + "): " + why});
        } else if (kind.equals(PHONES)) {
            found.phones.add(new PhoneConflicts.Sent(row.profileId(), row.email(), row.phone()));
        } else {
            found.noted.add(new String[] {row.profileId(), row.email(), row.action(), ExportRow.ADJUSTED, kind,
                "Brevo left out a number another contact holds (" + kind + "): " + why});
        }
    }
}
