package io.brevosync.api;

import java.util.Map;

import io.brevosync.Refusal;
import io.brevosync.db.Database;
import org.apache.camel.Exchange;

/** The one place HTTP statuses of refusals are decided: the answer of an /api call that the server refused. */
public final class ApiErrors {

    /** {"status": 404, "error": "…"} for the exception being handled, with that status on the answer. */
    public Map<String, Object> answer(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        int status = e instanceof ApiException api ? api.getStatus() : e instanceof Refusal.NotFound ? 404 : e instanceof Refusal.Conflict ? 409
                : e instanceof Refusal.Forbidden ? 403 : e instanceof Refusal.BrevoUnavailable ? 502 : 400;
        exchange.getIn().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        return Map.of("status", status, "error", e.getMessage());
    }

    /** Anything else that failed: 503 when the database is unreachable, else a 500 without detail (the server log has it). */
    public Map<String, Object> internal(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (Database.unreachable(e)) {
            exchange.getIn().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
            return Map.of("status", 503, "error", "the database is unreachable; try again when it is back (GET /observe/health says when)");
        }
        exchange.getIn().setHeader(Exchange.HTTP_RESPONSE_CODE, 500);
        return Map.of("error", "internal error, see the server log");
    }
}
