package io.brevosync.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Brevo error answer: HTTP status plus the {code, message[, metadata]} body of the official errorModel. */
public class BrevoError extends RuntimeException {

    private final int status;
    private final String code;
    private final Map<String, Object> metadata;

    public BrevoError(int status, String code, String message) {
        this(status, code, message, null);
    }

    public BrevoError(int status, String code, String message, Map<String, Object> metadata) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.metadata = metadata;
    }

    public static BrevoError badRequest(String message) {
        return new BrevoError(400, "invalid_parameter", message);
    }

    public static BrevoError notFound(String message) {
        return new BrevoError(404, "document_not_found", message);
    }

    public static BrevoError duplicate(String message, List<String> identifiers) {
        return new BrevoError(400, "duplicate_parameter", message, Map.of("duplicate_identifiers", identifiers));
    }

    public int status() {
        return status;
    }

    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", getMessage());
        if (metadata != null) {
            body.put("metadata", metadata);
        }
        return body;
    }
}
