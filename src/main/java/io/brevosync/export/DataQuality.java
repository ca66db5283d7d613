package io.brevosync.export;

/**
 * An export's rules for messy data: how phones are read, what happens to a value that cannot be sent as it is, and
 * which rows may be sent at all. Every decision about a row is recorded with it (see {@link RowMapper}).
 *
 * @param phoneRegion ISO 3166 region (FR, DE, US…) a phone without a country code is read in; empty: such a phone is invalid
 * @param invalidPhone drop (the phone is left out, the row is sent by email) or reject (the row is not sent)
 * @param identifierConflict dropSms (a number Brevo already has on another contact is left out, the row is sent) or skip
 *     (the row is not sent and its contact is taken off the list)
 * @param sendBlanks true: blank and null values are sent and erase what Brevo holds (emptyContactsAttributes)
 * @param oversized truncate (a text longer than textMaxChars is cut) or reject (the row is not sent)
 * @param consentColumn a boolean column of the query; rows where it is not true are not sent (empty: no consent check)
 * @param consentNotRequired why the export needs no consent column (consent: not-required: reason); empty with a column,
 *     or when the export says no policy (allowed only while its query returns no column named like a consent)
 * @param checkAttributes true: the reload checks that every mapped attribute exists in the Brevo account, with a fitting type
 * @param createAttributes true: the reload creates the mapped attributes the account lacks, of their mapped type (audited)
 */
public record DataQuality(String phoneRegion, String invalidPhone, String identifierConflict, boolean sendBlanks, String oversized,
        int textMaxChars, String consentColumn, String consentNotRequired, boolean checkAttributes, boolean createAttributes) {

    public static final String DROP = "drop";
    public static final String REJECT = "reject";
    public static final String DROP_SMS = "dropSms";
    public static final String SKIP = "skip";
    public static final String TRUNCATE = "truncate";

    public static DataQuality defaults() {
        return new DataQuality("", DROP, DROP_SMS, false, TRUNCATE, 2000, "", "", false, false);
    }

    /** The rules that change what is sent for a row: part of the export's fingerprint, so changing one sends every profile again. */
    String payloadRules() {
        return phoneRegion + "|" + invalidPhone + "|" + sendBlanks + "|" + oversized + "|" + textMaxChars + "|" + consentColumn;
    }

    public boolean hasConsentColumn() {
        return !consentColumn.isEmpty();
    }

    /** The export says its consent policy: a column, or why none is needed. */
    public boolean hasConsentPolicy() {
        return hasConsentColumn() || !consentNotRequired.isEmpty();
    }

    /** The policy as the export's summary and its runs' reports show it. */
    public String consentPolicy() {
        return hasConsentColumn() ? "column " + consentColumn : consentNotRequired.isEmpty() ? "none" : "not required: " + consentNotRequired;
    }
}
