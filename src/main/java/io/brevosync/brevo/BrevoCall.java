package io.brevosync.brevo;

/**
 * One request to Brevo while it is in flight (the exchange property brevoCall, set by brevo-call). The circuit breaker
 * runs on a copy of the exchange and hands back neither the copy's properties after a failure nor an exception it
 * ignores, so what happened inside it (a 429 to wait out, a refusal) is kept here, on the one object both copies share.
 */
public final class BrevoCall {

    private final Object request;
    private boolean resend = true;
    private int rateLimitWaits;
    private BrevoRefusal refusal;

    BrevoCall(Object request) {
        this.request = request;
    }

    /** The body to send: restored before every attempt, so a resend or redelivery never sends Brevo's answer. */
    public Object getRequest() {
        return request;
    }

    /** True until Brevo answered something other than a 429 to wait out. */
    public boolean isResend() {
        return resend;
    }

    /** A 429: answers how many in a row this call has waited out, this one included. */
    int rateLimited() {
        resend = true;
        return ++rateLimitWaits;
    }

    void answered() {
        resend = false;
        rateLimitWaits = 0;
    }

    /** Records the refusal (the breaker ignores it and drops it) and answers it to throw. */
    BrevoRefusal refuse(BrevoRefusal refusal) {
        this.refusal = refusal;
        return refusal;
    }

    /** After the circuit breaker: the refusal, thrown again for the caller's error handler. */
    void throwRefusal() throws BrevoRefusal {
        if (refusal != null) {
            BrevoRefusal thrown = refusal;
            refusal = null;
            throw thrown;
        }
    }
}
