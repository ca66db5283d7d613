package io.brevosync.export;

/**
 * One row of an export after mapping: either ready to send (its Brevo jsonBody item, already serialised) or rejected
 * with the reason. Both go to the batcher so that every row is reported and the split's last row always
 * completes the last batch.
 */
public record ExportRow(String profileId, String email, byte[] json, String rejection) {

    public static ExportRow accepted(String profileId, String email, byte[] json) {
        return new ExportRow(profileId, email, json, null);
    }

    public static ExportRow rejected(String profileId, String email, String reason) {
        return new ExportRow(profileId, email, null, reason);
    }

    public boolean isRejected() {
        return rejection != null;
    }
}
