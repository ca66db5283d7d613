package io.brevosync.api;

/** An HTTP API error: the status to answer and a message that is safe to show the caller. */
public class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int getStatus() {
        return status;
    }

    /** The JSON answer: {"error": message}. */
    public java.util.Map<String, Object> getBody() {
        return java.util.Map.of("status", status, "error", getMessage());
    }
}
