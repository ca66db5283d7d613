package io.brevosync.run;

import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.brevo.BrevoAnswers;
import io.brevosync.export.DataQuality;
import io.brevosync.export.ExportRow;
import io.brevosync.sync.SyncState;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An import process only counts the SMS numbers Brevo would not take because another contact has them
 * ({@code info.import.duplicate_phone_id}); it does not say which rows. When it counted some, the run reads back the
 * contacts of the list modified since the batch was sent (GET /v3/contacts/lists/{id}/contacts, 500 a page) and
 * compares their SMS with what it sent. A row whose number is not in Brevo had it refused: identifierConflict dropSms
 * records it as adjusted (delivered without the number), skip rejects it and unlinks its contact; either way the
 * number is remembered in the sync state, so later runs leave it out until it changes.
 */
public final class PhoneConflicts {

    private static final Logger LOG = LoggerFactory.getLogger(PhoneConflicts.class);
    private static final int PAGE = 500;
    /** Brevo's clock and the database's may differ: the read-back starts this much before the batch was recorded. */
    private static final long CLOCK_MARGIN_MINUTES = 10;
    /** Brevo's counter of the refused numbers, as the rows' code. */
    private static final String CODE = "duplicate_phone_id";
    private static final DateTimeFormatter BREVO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** A row of the batches checked that carried an SMS number. */
    record Sent(String profileId, String email, String phone) {
    }

    /** One check: the rows sent with a number, by email, and the paging through the list. */
    public static final class Check {
        final Map<String, Sent> sent = new HashMap<>();
        final List<Sent> refused = new ArrayList<>();
        Instant since;
        int offset;
        long total = -1;

        public boolean isDone() {
            return sent.isEmpty() || (total >= 0 && offset >= total);
        }
    }

    private final RunLedger ledger;
    private final SyncState sync;

    public PhoneConflicts(RunLedger ledger, SyncState sync) {
        this.ledger = ledger;
        this.sync = sync;
    }

    /** The batches Brevo counted conflicts in, if any: the check of their rows, else null. */
    public Check start(@ExchangeProperty("run") ExportRun run) throws SQLException {
        List<Integer> batches = run.takePhoneConflictBatches();
        if (batches.isEmpty()) {
            return null;
        }
        Check check = new Check();
        for (Map<String, Object> row : ledger.rows().batchPhones(run.getId(), batches)) {
            Sent sent = new Sent((String) row.get("profileId"), (String) row.get("email"), (String) row.get("phone"));
            check.sent.put(sent.email(), sent);
            Instant created = Instant.parse((String) row.get("createdAt"));
            check.since = check.since == null || created.isBefore(check.since) ? created : check.since;
        }
        check.since = check.since == null ? Instant.now() : check.since.minus(CLOCK_MARGIN_MINUTES, ChronoUnit.MINUTES);
        LOG.info("Export {} run {}: Brevo refused SMS numbers in batches {}; reading back the list to find which of {} rows", run.getExport().id(),
                run.getId(), batches, check.sent.size());
        return check;
    }

    /** The path of the next page of contacts modified since the batches were sent. */
    public String nextPage(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("phoneCheck") Check check) {
        return "/contacts/lists/" + run.getExport().listId() + "/contacts?modifiedSince=" + BREVO_TIME.format(check.since) + "&limit="
                + PAGE + "&offset=" + check.offset + "&sort=asc";
    }

    /** A page: each contact sent with a number either has it (fine) or has another or none (refused). */
    public void page(Exchange exchange, @ExchangeProperty("phoneCheck") Check check) {
        BrevoAnswers.ContactPage page = BrevoAnswers.contacts(exchange.getIn().getBody(Map.class));
        check.total = page.count() >= 0 ? page.count() : check.offset + page.contacts().size();
        check.offset += PAGE;
        if (page.contacts().isEmpty()) {
            check.total = Math.min(check.total, check.offset);
        }
        for (BrevoAnswers.Contact contact : page.contacts()) {
            Sent row = check.sent.remove(contact.email());
            if (row != null && !digits(row.phone()).equals(digits(contact.sms() == null ? "" : contact.sms()))) {
                check.refused.add(row);
            }
        }
    }

    /** Records what Brevo refused, per the export's policy; rows not found in the list at all are sent again by the next run. */
    public void resolve(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("phoneCheck") Check check) throws SQLException {
        String exportId = run.getExport().id();
        boolean skip = run.getExport().quality().identifierConflict().equals(DataQuality.SKIP);
        for (Sent row : check.refused) {
            String reason = "SMS " + row.phone() + " belongs to another Brevo contact; " + (skip ? "not sent (identifierConflict skip)" : "delivered without it")
                    + ", and left out until the number changes";
            ledger.rows().rowOutcome(run.getId(), row.profileId(), row.email(), ExportRow.UPDATE, skip ? ExportRow.REJECTED : ExportRow.ADJUSTED, CODE, reason);
            if (skip) {
                ledger.rows().unlinkLater(run.getId(), exportId, row.profileId(), row.email());
            }
            sync.smsConflict(exportId, row.profileId(), row.phone());
        }
        // not in the list: Brevo did not import them at all, most likely for their number; the next run sends them without it
        for (Sent row : check.sent.values()) {
            ledger.rows().rowOutcome(run.getId(), row.profileId(), row.email(), ExportRow.UPDATE, "failed", CODE,
                    "not in the list after its import, in which Brevo refused SMS numbers; the next run sends it again without " + row.phone());
            sync.smsConflict(exportId, row.profileId(), row.phone());
        }
        sync.resend(exportId, check.sent.values().stream().map(Sent::profileId).toList());
        LOG.info("Export {} run {}: {} rows had their SMS number refused (another contact has it); {} rows not found in the list are sent again next run",
                exportId, run.getId(), check.refused.size(), check.sent.size());
    }

    /** The read-back failed: the rows checked are sent again by the next run, which checks them again. */
    public void unresolved(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("phoneCheck") Check check) throws SQLException {
        List<String> profiles = new ArrayList<>();
        check.sent.values().forEach(row -> profiles.add(row.profileId()));
        check.refused.forEach(row -> profiles.add(row.profileId()));
        sync.resend(run.getExport().id(), profiles);
    }

    private static String digits(String phone) {
        return phone.replaceAll("\\D", "");
    }
}
