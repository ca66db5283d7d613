package io.brevosync.run;

import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.brevo.BrevoAnswers;
import io.brevosync.export.DataQuality;
import io.brevosync.export.ExportRow;
import io.brevosync.export.PhoneOwners;
import io.brevosync.sync.SyncState;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An import process only counts the SMS numbers Brevo would not take because another contact has them
 * ({@code info.import.duplicate_phone_id}); it does not say which rows. When it counted some, the run finds them at a
 * cost in proportion to the numbers refused, not to the list: first it looks up the owner of each contested number
 * of those batches (one another profile of the run also had: the likely cause) with
 * {@code GET /v3/contacts/{number}?identifierType=phone_id}, until the numbers Brevo counted are all found. Only if
 * some are still unexplained (a contact outside the export holds a number only one profile has) does it read back
 * the contacts of the list modified since the batches were sent (500 a page) and compare their SMS with what it sent.
 * A row whose number is held by another contact had it refused: identifierConflict dropSms records it as adjusted
 * (delivered without the number), skip rejects it and unlinks its contact; either way the number is remembered in the
 * sync state, so later runs leave it out until it changes.
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

    /** One check: the rows sent with a number, by email; the contested ones to look up; then the paging through the list. */
    public static final class Check {
        final Map<String, Sent> sent = new HashMap<>();
        final Deque<Sent> contested = new ArrayDeque<>();
        final List<Sent> refused = new ArrayList<>();
        /** the numbers Brevo counted as refused in the batches checked */
        int counted;
        /** the contested row the last call looked up (null: the last call read a page of the list) */
        Sent lookingUp;
        int lookups;
        Instant since;
        int offset;
        long total = -1;

        /** Whether the last call looked up a number's owner (else it read a page of the list). */
        public boolean isLookingUp() {
            return lookingUp != null;
        }

        /** Every number Brevo counted is found, or the list is read to its end. */
        public boolean isDone() {
            return sent.isEmpty() || refused.size() >= counted || (total >= 0 && offset >= total);
        }
    }

    /** A batch in which Brevo refused SMS numbers, how many not known (its report could not be read): look for them all. */
    static final int UNKNOWN = -1;

    private final RunLedger ledger;
    private final SyncState sync;

    public PhoneConflicts(RunLedger ledger, SyncState sync) {
        this.ledger = ledger;
        this.sync = sync;
    }

    /** The batches Brevo counted conflicts in, if any: the check of their rows, else null. */
    public Check start(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("phoneOwners") PhoneOwners owners) throws SQLException {
        Map<Integer, Integer> batches = run.takePhoneConflicts();
        if (batches.isEmpty()) {
            return null;
        }
        Check check = new Check();
        check.counted = batches.containsValue(UNKNOWN) ? Integer.MAX_VALUE : batches.values().stream().mapToInt(Integer::intValue).sum();
        for (Map<String, Object> row : ledger.rows().batchPhones(run.getId(), List.copyOf(batches.keySet()))) {
            Sent sent = new Sent((String) row.get("profileId"), (String) row.get("email"), (String) row.get("phone"));
            check.sent.put(sent.email(), sent);
            if (owners != null && owners.isContested("SMS", sent.phone())) {
                check.contested.add(sent);
            }
            Instant created = Instant.parse((String) row.get("createdAt"));
            check.since = check.since == null || created.isBefore(check.since) ? created : check.since;
        }
        check.since = check.since == null ? Instant.now() : check.since.minus(CLOCK_MARGIN_MINUTES, ChronoUnit.MINUTES);
        LOG.info("Export {} run {}: Brevo refused {} SMS numbers in batches {}; looking up the {} contested numbers among their {} rows", run.getExport().id(),
                run.getId(), check.counted == Integer.MAX_VALUE ? "an unknown number of" : check.counted, batches.keySet(), check.contested.size(),
                check.sent.size());
        return check;
    }

    /** The next call: the owner of the next contested number, or once they are all looked up, the next page of the list. */
    public String nextPage(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("phoneCheck") Check check) {
        check.lookingUp = check.contested.poll();
        if (check.lookingUp != null) {
            check.lookups++;
            return "/contacts/" + URLEncoder.encode(check.lookingUp.phone(), StandardCharsets.UTF_8) + "?identifierType=phone_id";
        }
        if (check.offset == 0) {
            LOG.info("Export {} run {}: {} of the {} refused SMS numbers are not contested ones; reading back the list to find them", run.getExport().id(),
                    run.getId(), check.counted == Integer.MAX_VALUE ? "some" : check.counted - check.refused.size(),
                    check.counted == Integer.MAX_VALUE ? "unknown" : check.counted);
        }
        return "/contacts/lists/" + run.getExport().listId() + "/contacts?modifiedSince=" + BREVO_TIME.format(check.since) + "&limit="
                + PAGE + "&offset=" + check.offset + "&sort=asc";
    }

    /**
     * An answer: the contact holding a contested number (null: nobody does), refused if it is not the row's own; or a
     * page of the list, where each contact sent with a number either has it (fine) or has another or none (refused).
     */
    public void page(Exchange exchange, @ExchangeProperty("phoneCheck") Check check) {
        Map<?, ?> body = exchange.getIn().getBody(Map.class);
        if (check.lookingUp != null) {
            Sent row = check.lookingUp;
            String holder = body == null ? null : BrevoAnswers.contact(body).email();
            if (holder != null && !holder.equalsIgnoreCase(row.email())) {
                check.refused.add(row);
                check.sent.remove(row.email());
            }
            return;
        }
        BrevoAnswers.ContactPage page = BrevoAnswers.contacts(body);
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

    /** The rows Brevo's duplicate_phone_id report named: the export's policy applies to exactly those, with no look-up. */
    void reported(ExportRun run, List<Sent> rows) throws SQLException {
        Check check = new Check();
        check.refused.addAll(rows);
        check.counted = rows.size();
        resolve(run, check);
    }

    /** Records what Brevo refused, per the export's policy; rows not found in the list at all are sent again by the next run. */
    public void resolve(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("phoneCheck") Check check) throws SQLException {
        String exportId = run.getExport().id();
        boolean skip = run.getExport().quality().identifierConflict().equals(DataQuality.SKIP);
        if (check.refused.size() >= check.counted) {
            // every number Brevo counted is found: the other rows have theirs
            check.sent.clear();
        }
        if (check.counted == Integer.MAX_VALUE) {
            // how many Brevo refused is not known (its report could not be read): a row missing from the list is sent
            // again, but its number is not taken for the cause
            sync.resend(exportId, check.sent.values().stream().map(Sent::profileId).toList());
            check.sent.clear();
        }
        List<String[]> outcomes = new ArrayList<>();
        for (Sent row : check.refused) {
            String reason = "SMS " + row.phone() + " belongs to another Brevo contact; " + (skip ? "not sent (identifierConflict skip)" : "delivered without it")
                    + ", and left out until the number changes";
            outcomes.add(new String[] {row.profileId(), row.email(), ExportRow.UPDATE, skip ? ExportRow.REJECTED : ExportRow.ADJUSTED, CODE, reason});
        }
        // not in the list: Brevo did not import them at all, most likely for their number; the next run sends them without it
        for (Sent row : check.sent.values()) {
            outcomes.add(new String[] {row.profileId(), row.email(), ExportRow.UPDATE, "failed", CODE,
                "not in the list after its import, in which Brevo refused SMS numbers; the next run sends it again without " + row.phone()});
        }
        ledger.rows().rowOutcomes(run.getId(), outcomes);
        if (skip) {
            ledger.rows().unlinkLater(run.getId(), exportId, check.refused.stream().map(row -> new String[] {row.profileId(), row.email()}).toList());
        }
        List<Sent> conflicts = new ArrayList<>(check.refused);
        conflicts.addAll(check.sent.values());
        sync.smsConflicts(exportId, conflicts.stream().map(Sent::profileId).toArray(String[]::new), conflicts.stream().map(Sent::phone).toArray(String[]::new));
        sync.resend(exportId, check.sent.values().stream().map(Sent::profileId).toList());
        LOG.info("Export {} run {}: {} rows had their SMS number refused (another contact has it), found with {} look-ups and {} pages of the list; "
                + "{} rows not found in the list are sent again next run", exportId, run.getId(), check.refused.size(), check.lookups,
                (check.offset + PAGE - 1) / PAGE, check.sent.size());
    }

    /** The read-back failed: the rows checked are sent again by the next run, which checks them again. */
    public void unresolved(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("phoneCheck") Check check) throws SQLException {
        List<String> profiles = new ArrayList<>();
        check.sent.values().forEach(row -> profiles.add(row.profileId()));
        check.refused.forEach(row -> profiles.add(row.profileId()));
        sync.resend(run.getExport().id(), profiles);
    }

    /** A phone number's digits, as numbers are compared with Brevo's. */
    static String digits(String phone) {
        return phone.replaceAll("\\D", "");
    }
}
