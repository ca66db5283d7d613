package io.brevosync.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.brevosync.export.Normalise.Outcome;
import io.brevosync.sync.SyncQuery;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * Maps a profile row to a Brevo import item {"email", "attributes"} using the export's mapping and data-quality rules
 * (see {@link Normalise}), and decides what the run does with it from the sync state joined to the row (see
 * {@link SyncQuery}): add, update, unlink, or nothing. Every decision is visible: a row not sent has its reason, a row
 * sent with a value changed or left out has a note.
 */
public final class RowMapper {

    private final int rowMaxBytes;
    private final int maxAttempts;

    public RowMapper(int rowMaxBytes, int maxAttempts) {
        this.rowMaxBytes = rowMaxBytes;
        this.maxAttempts = maxAttempts;
    }

    /**
     * A row of the sync query: a profile that left (only its sync state is there) is unlinked; a profile is sent as
     * add (never delivered) or update, unless Brevo's import report refused it as it is now (rejected again with
     * Brevo's reason), or it failed {@code maxAttempts} times as it is now (dead); neither is sent again until it
     * changes or a full resync asks for everything; a changed email also unlinks the old address, and a
     * profile without consent has its address unlinked.
     */
    public ExportRow map(@Body Map<String, Object> row, @ExchangeProperty("export") ExportDefinition export,
            @ExchangeProperty("fullResync") Boolean fullResync, @ExchangeProperty("phoneOwners") PhoneOwners owners,
            @ExchangeProperty("emailOwners") EmailOwners emails) {
        String lastEmail = (String) row.get(SyncQuery.EMAIL);
        if (row.get("profile_id") == null) {
            return ExportRow.left((String) row.get(SyncQuery.PROFILE_ID), lastEmail);
        }
        ExportRow mapped = mapProfile(row, export, owners, emails).inState(row.get(SyncQuery.PROFILE_ID) != null);
        if (ExportRow.NO_CONSENT.equals(mapped.outcome())) {
            return mapped.unlinking(lastEmail);
        }
        String oldEmail = lastEmail != null && !lastEmail.equals(mapped.email()) ? lastEmail : null;
        if (mapped.isRejected()) {
            return mapped.unlinking(oldEmail);
        }
        Long hash = (Long) row.get(SyncQuery.ROW_HASH);
        if (row.get(SyncQuery.REFUSED) != null && hash.equals(row.get(SyncQuery.FAILED_HASH)) && !Boolean.TRUE.equals(fullResync)) {
            return mapped.refused("Brevo refused it as it is: " + row.get(SyncQuery.REFUSED) + "; sent again when it changes", oldEmail);
        }
        int failures = row.get(SyncQuery.FAILURES) instanceof Number n ? n.intValue() : 0;
        if (failures >= maxAttempts && hash.equals(row.get(SyncQuery.FAILED_HASH)) && !Boolean.TRUE.equals(fullResync)) {
            return mapped.dead("gave up after " + failures + " failed attempts: " + row.get(SyncQuery.LAST_ERROR), oldEmail);
        }
        return mapped.sending(row.get(SyncQuery.HASH) == null ? ExportRow.ADD : ExportRow.UPDATE, hash, oldEmail);
    }

    /** The rows of one step of the run's split, each as {@link #map} decides. */
    public List<ExportRow> mapAll(@Body List<Map<String, Object>> rows, @ExchangeProperty("export") ExportDefinition export,
            @ExchangeProperty("fullResync") Boolean fullResync, @ExchangeProperty("phoneOwners") PhoneOwners owners,
            @ExchangeProperty("emailOwners") EmailOwners emails) {
        List<ExportRow> mapped = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            mapped.add(map(row, export, fullResync, owners, emails));
        }
        return mapped;
    }

    public int rowMaxBytes() {
        return rowMaxBytes;
    }

    /**
     * The profile's Brevo import item, or why it is not sent. Owners: the run's phone numbers so far (null: not
     * checked); emails: the addresses a first run gave so far (null: the query's sync_email_owner says who keeps each).
     */
    ExportRow mapProfile(Map<String, Object> row, ExportDefinition export, PhoneOwners owners, EmailOwners emails) {
        Object id = row.get("profile_id");
        String profileId = id == null ? null : String.valueOf(id);
        Object rawEmail = row.get(export.emailColumn());
        Outcome checked = Normalise.email(rawEmail);
        if (checked.isRejected()) {
            String key = Normalise.emailKey(rawEmail);
            return ExportRow.rejected(profileId, key.isEmpty() ? null : key, checked.rejection());
        }
        String email = (String) checked.value();
        Object owner = emails == null ? row.get(SyncQuery.EMAIL_OWNER) : emails.claim(Normalise.emailKey(rawEmail), profileId);
        if (owner != null && !String.valueOf(owner).equals(profileId)) {
            return ExportRow.rejected(profileId, email, "duplicate: profile " + owner + " has the same email and is exported instead (the lowest profile id keeps an address)");
        }
        DataQuality quality = export.quality();
        if (quality.hasConsentColumn() && !Normalise.isTrue(row.get(quality.consentColumn()))) {
            return ExportRow.notSent(profileId, email, ExportRow.NO_CONSENT, "no consent: " + quality.consentColumn() + " is " + row.get(quality.consentColumn()));
        }
        // the import item is written as it is mapped: no map of attributes per row
        ImportItem item = new ImportItem(email);
        List<String> notes = new ArrayList<>();
        String sms = null;
        for (MappedAttribute mapped : export.mapping().values()) {
            Object raw = row.get(mapped.column());
            if (mapped.attribute().equals("EMAIL")) {
                continue;
            }
            if (Normalise.isBlank(raw)) {
                if (quality.sendBlanks()) {
                    item.attribute(mapped.attribute(), "");
                }
                continue;
            }
            Outcome value = mapped.isPhone() ? phone(mapped.attribute(), raw, profileId, row, quality, owners) : Normalise.typed(raw, mapped.type(), quality);
            if (value.isRejected()) {
                return ExportRow.rejected(profileId, email, mapped.attribute() + " " + value.rejection());
            }
            if (value.note() != null) {
                notes.add(mapped.attribute() + " " + value.note());
            }
            if (value.value() != null) {
                item.attribute(mapped.attribute(), value.value());
                sms = mapped.attribute().equals("SMS") ? (String) value.value() : sms;
            }
        }
        byte[] bytes = item.end();
        if (bytes.length > rowMaxBytes) {
            return ExportRow.rejected(profileId, email, "row is " + bytes.length + " bytes as JSON, above the " + rowMaxBytes + "-byte row limit");
        }
        return ExportRow.accepted(profileId, email, bytes, notes.isEmpty() ? null : String.join("; ", notes), sms);
    }

    /**
     * A phone identifier in E.164. Not a number: left out or the row rejected (invalidPhone). A number Brevo holds on
     * another contact (found by an earlier run), or that a lower profile id of this run has: left out or the row
     * rejected (identifierConflict).
     */
    private static Outcome phone(String attribute, Object raw, String profileId, Map<String, Object> row, DataQuality quality, PhoneOwners owners) {
        Outcome phone = Normalise.phone(raw, quality.phoneRegion());
        if (phone.value() == null) {
            return quality.invalidPhone().equals(DataQuality.REJECT) ? Outcome.rejected(phone.note()) : Outcome.leftOut(phone.note() + "; left out");
        }
        String number = (String) phone.value();
        String conflict = null;
        if (attribute.equals("SMS") && number.equals(row.get(SyncQuery.SMS_CONFLICT))) {
            conflict = number + " belongs to another Brevo contact";
        } else if (owners != null) {
            String other = owners.claim(attribute, number, profileId);
            conflict = other == null ? null : number + " is also on " + other + ", which keeps it (the lowest profile id does)";
        }
        if (conflict == null) {
            return phone;
        }
        return quality.identifierConflict().equals(DataQuality.SKIP) ? Outcome.rejected(conflict) : Outcome.leftOut(conflict + "; left out");
    }
}
