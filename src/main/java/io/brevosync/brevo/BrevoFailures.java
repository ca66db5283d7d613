package io.brevosync.brevo;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;

/** Reads Brevo failures out of whatever wraps them (the circuit breaker wraps the HTTP exception in a RuntimeCamelException). */
public final class BrevoFailures {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A 4xx other than 429 will not change on retry: the error handler sends it straight to the dead letter. */
    public boolean isPermanent(Exchange exchange) {
        int status = status(of(exchange));
        return status >= 400 && status < 500 && status != 429 && !isNothingToChange(exchange);
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

    /**
     * Brevo refused the request as such, not its rows: the key (401), a permission or the IP allowlist (403), the list
     * (404), the method (405). No row is to blame; the run stops and the next one, once this is fixed, sends them.
     */
    public static String requestRefusal(Throwable error, String connection, long listId) {
        String why = switch (status(error)) {
            case 401 -> "Brevo refuses the API key of connection '" + connection + "'";
            case 403 -> "Brevo forbids this request to connection '" + connection + "' (the key's permissions, or the account's IP allowlist)";
            case 404 -> "Brevo list " + listId + " does not exist in the account of connection '" + connection + "'";
            case 405 -> "Brevo refuses the method of the request";
            default -> null;
        };
        return why == null ? null : why + " (" + describe(error) + "); no row was charged for it: the next run sends them once it is fixed";
    }

    /** The HTTP status Brevo answered, or 0 when the failure was not an answer (timeout, dropped connection, open breaker). */
    public static int status(Throwable error) {
        HttpOperationFailedException http = httpFailure(error);
        return http == null ? 0 : http.getStatusCode();
    }

    /** A short code for the ledger: Brevo's own error code (e.g. invalid_parameter), else http_NNN or the exception's name. */
    public static String code(Throwable error) {
        HttpOperationFailedException http = httpFailure(error);
        if (http == null) {
            return error == null ? null : error.getClass().getSimpleName();
        }
        try {
            JsonNode body = JSON.readTree(http.getResponseBody() == null ? "" : http.getResponseBody());
            if (body != null && body.path("code").isTextual()) {
                return body.get("code").asText();
            }
        } catch (JsonProcessingException e) {
            // not Brevo's JSON error shape
        }
        return "http_" + http.getStatusCode();
    }

    /**
     * The identifiers Brevo says belong to another contact (metadata.duplicate_identifiers of a 400, whatever its
     * code: duplicate_parameter or invalid_parameter), upper-cased; empty for any other failure.
     */
    public static List<String> duplicateIdentifiers(Throwable error) {
        HttpOperationFailedException http = httpFailure(error);
        List<String> identifiers = new ArrayList<>();
        if (http != null && http.getStatusCode() == 400 && http.getResponseBody() != null) {
            try {
                JSON.readTree(http.getResponseBody()).path("metadata").path("duplicate_identifiers").forEach(i -> identifiers.add(i.asText().toUpperCase()));
            } catch (JsonProcessingException e) {
                // not Brevo's JSON error shape
            }
        }
        return identifiers;
    }

    /** Brevo's 400 for a list add or remove that changed nothing: the addresses were already in (or out of) the list. */
    public boolean isNothingToChange(Exchange exchange) {
        HttpOperationFailedException http = httpFailure(of(exchange));
        return http != null && http.getStatusCode() == 400 && http.getResponseBody() != null
                && http.getResponseBody().contains("Contact already in list and/or does not exist");
    }

    /** The exception being handled; EXCEPTION_CAUGHT may still hold an earlier, already handled one. */
    public static Throwable of(Exchange exchange) {
        return exchange.getException() != null ? exchange.getException() : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
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
