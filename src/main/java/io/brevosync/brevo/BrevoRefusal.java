package io.brevosync.brevo;

import java.util.Map;

import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Brevo refused a request (a 4xx other than 429): the request's fault, not Brevo failing. The circuit breaker ignores
 * it (brevo-call's ignoreException), so bad rows being bisected never open it; the caller's error handler still sees it.
 */
public final class BrevoRefusal extends HttpOperationFailedException {

    BrevoRefusal(String uri, int status, String statusText, Map<String, String> headers, String body) {
        super(uri, status, statusText, null, headers, body);
    }
}
