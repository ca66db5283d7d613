package io.brevosync.export;

/**
 * One row of an export after mapping and comparing with what was last delivered. A row is sent (its Brevo jsonBody
 * item, already serialised, with the action add or update and the hash that becomes its sync state), or recorded
 * without being sent (outcome rejected, no_consent or dead, with the reason). A row sent with a value changed or left
 * out carries a note (recorded as outcome adjusted). Either may also unlink an address from the list: the profile left
 * the segments (action remove), or its email changed (the old address). All go to the batcher, so every row is
 * reported and the split's last row always completes the last batch.
 */
public record ExportRow(String profileId, String email, byte[] json, String action, Long hash, String outcome, String reason,
        String unlinkEmail, boolean known, String note, String phone) {

    public static final String ADD = "add";
    public static final String UPDATE = "update";
    public static final String REMOVE = "remove";
    public static final String UNLINK = "unlink";
    /** Left the segments but nothing of it is in the list (it was never delivered): only its sync state goes. */
    public static final String FORGET = "forget";

    public static final String REJECTED = "rejected";
    public static final String NO_CONSENT = "no_consent";
    public static final String ADJUSTED = "adjusted";

    /** A row to send; note says what was changed or left out (null: nothing), phone is the SMS number it carries. */
    public static ExportRow accepted(String profileId, String email, byte[] json, String note, String phone) {
        return new ExportRow(profileId, email, json, ADD, null, null, null, null, false, note, phone);
    }

    public static ExportRow rejected(String profileId, String email, String reason) {
        return notSent(profileId, email, REJECTED, reason);
    }

    public static ExportRow notSent(String profileId, String email, String outcome, String reason) {
        return new ExportRow(profileId, email, null, ADD, null, outcome, reason, null, false, null, null);
    }

    /** A profile in the sync state that the export's query no longer returns. */
    public static ExportRow left(String profileId, String email) {
        return new ExportRow(profileId, email, null, email == null ? FORGET : REMOVE, null, null, null, email, true, null, null);
    }

    /** The row to send as add or update, carrying its new hash and the old address when the email changed. */
    public ExportRow sending(String action, Long hash, String oldEmail) {
        return new ExportRow(profileId, email, json, action, hash, outcome, reason, oldEmail, known, note, phone);
    }

    /** Not sent again: Brevo refused it as it is now. */
    public ExportRow refused(String why, String oldEmail) {
        return new ExportRow(profileId, email, null, action, null, REJECTED, why, oldEmail, known, null, null);
    }

    /** Not sent again: it failed too often as it is now. */
    public ExportRow dead(String why, String oldEmail) {
        return new ExportRow(profileId, email, null, action, null, "dead", why, oldEmail, known, null, null);
    }

    /** The same row sent again with another item (a value Brevo refused left out), without unlinking anything twice. */
    public ExportRow resending(byte[] item, String why) {
        return new ExportRow(profileId, email, item, action, hash, null, null, null, known, why, null);
    }

    public ExportRow unlinking(String oldEmail) {
        return new ExportRow(profileId, email, json, action, hash, outcome, reason, oldEmail, known, note, phone);
    }

    /** The profile has a sync state (what is left of it counts as unchanged). */
    public ExportRow inState(boolean inState) {
        return new ExportRow(profileId, email, json, action, hash, outcome, reason, unlinkEmail, inState, note, phone);
    }

    /** Read from the export's query (a row that left is only in the sync state). */
    public boolean inSegment() {
        return !action.equals(REMOVE) && !action.equals(FORGET);
    }

    public boolean isRejected() {
        return outcome != null;
    }

    public boolean isSent() {
        return json != null && outcome == null;
    }

    /** Takes an address off the list: the profile's own if it left, else its old one. */
    public boolean unlinks() {
        return unlinkEmail != null;
    }
}
