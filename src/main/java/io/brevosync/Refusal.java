package io.brevosync;

/**
 * What the server refuses to do, and why: something asked for that does not exist, something its state forbids now,
 * a value that is wrong, a caller not allowed to, or Brevo not giving what the answer needs. The domain throws these; the HTTP API answers each with its status (api.ApiErrors).
 */
public abstract sealed class Refusal extends RuntimeException permits Refusal.NotFound, Refusal.Conflict, Refusal.Invalid, Refusal.Forbidden,
        Refusal.BrevoUnavailable {

    private Refusal(String message) {
        super(message, null, false, false);
    }

    /** No export, run or profile of that name. */
    public static final class NotFound extends Refusal {
        public NotFound(String message) {
            super(message);
        }
    }

    /** Not now: a run is active on the list, the export is disabled, the run is not in the state asked for. */
    public static final class Conflict extends Refusal {
        public Conflict(String message) {
            super(message);
        }
    }

    /** A value given is wrong. */
    public static final class Invalid extends Refusal {
        public Invalid(String message) {
            super(message);
        }
    }

    /** The caller's role, or the connection's rules, do not allow it; the message names the rule that refused. */
    public static final class Forbidden extends Refusal {
        public Forbidden(String message) {
            super(message);
        }
    }

    /** The answer needs Brevo, which refused or failed the call; the message says how. */
    public static final class BrevoUnavailable extends Refusal {
        public BrevoUnavailable(String message) {
            super(message);
        }
    }
}
