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
 * @param checkAttributes true: a run first checks that every mapped attribute exists in the Brevo account, with a fitting type
 */
public record DataQuality(String phoneRegion, String invalidPhone, String identifierConflict, boolean sendBlanks, String oversized,
        int textMaxChars, String consentColumn, boolean checkAttributes) {

    public static final String DROP = "drop";
    public static final String REJECT = "reject";
    public static final String DROP_SMS = "dropSms";
    public static final String SKIP = "skip";
    public static final String TRUNCATE = "truncate";

    public static DataQuality defaults() {
        return new DataQuality("", DROP, DROP_SMS, false, TRUNCATE, 2000, "", false);
    }

    /** The rules that change what is sent for a row: part of the export's fingerprint, so changing one sends every profile again. */
    String payloadRules() {
        return phoneRegion + "|" + invalidPhone + "|" + sendBlanks + "|" + oversized + "|" + textMaxChars + "|" + consentColumn;
    }

    public boolean hasConsentColumn() {
        return !consentColumn.isEmpty();
    }
}
