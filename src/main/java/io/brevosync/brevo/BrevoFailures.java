package io.brevosync.brevo;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;

/** Reads Brevo failures out of whatever wraps them (the circuit breaker wraps the HTTP exception in a RuntimeCamelException). */
public final class BrevoFailures {

    /** A 4xx other than 429 will not change on retry: the error handler sends it straight to the dead letter. */
    public boolean isPermanent(Exchange exchange) {
        // the exception being handled; EXCEPTION_CAUGHT may still hold an earlier, already handled one
        Throwable error = exchange.getException() != null ? exchange.getException() : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        HttpOperationFailedException http = httpFailure(error);
        return http != null && http.getStatusCode() >= 400 && http.getStatusCode() < 500 && http.getStatusCode() != 429;
    }

    /** A reason fit for the ledger: Brevo's status and error body for HTTP failures, the exception otherwise. */
    public static String describe(Throwable error) {
        if (error == null) {
            return "unknown error";
        }
        HttpOperationFailedException http = httpFailure(error);
        if (http != null) {
            String body = http.getResponseBody() == null ? "" : http.getResponseBody();
            return "Brevo answered " + http.getStatusCode() + (body.isBlank() ? "" : ": " + (body.length() > 500 ? body.substring(0, 500) : body));
        }
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    static HttpOperationFailedException httpFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                return http;
            }
        }
        return null;
    }
}
