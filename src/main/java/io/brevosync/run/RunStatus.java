package io.brevosync.run;

import java.util.Locale;

/** The status of a run (README "Run statuses"), as stored in export_run.status. */
public enum RunStatus {
    QUEUED, RUNNING, SUCCEEDED, SUCCEEDED_WITH_REJECTIONS, FAILED, FAILED_PERMANENT, CANCELED, NEEDS_CONFIRMATION, SUPERSEDED, SKIPPED, INTERRUPTED;

    /** The counts of a finished run, as the ledger recorded them. */
    record Outcome(boolean canceled, String failure, boolean retryable, long refusedRows, long rowsRead, long delivered, long unchanged, long rejected, long withoutConsent,
            long failed, long dead) {
    }

    /** The stored name: lower case. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isActive() {
        return this == QUEUED || this == RUNNING;
    }

    /**
     * How a run ended: canceled; failed for good (the run itself failed for a reason that stays, such as its query or
     * Brevo refusing the request, or Brevo refused rows for good); failed (the run failed for a reason that may pass,
     * such as the database out of reach, or some rows did, or were not accounted for); with rejections; or succeeded.
     */
    static RunStatus of(Outcome o) {
        if (o.canceled()) {
            return CANCELED;
        }
        if (o.failure() != null) {
            return o.retryable() ? FAILED : FAILED_PERMANENT;
        }
        if (o.refusedRows() > 0) {
            return FAILED_PERMANENT;
        }
        if (o.failed() > 0 || o.delivered() + o.unchanged() + o.rejected() + o.withoutConsent() + o.failed() + o.dead() < o.rowsRead()) {
            return FAILED;
        }
        return o.rejected() + o.dead() > 0 ? SUCCEEDED_WITH_REJECTIONS : SUCCEEDED;
    }
}
