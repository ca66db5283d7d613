package io.brevosync.api;

/** An error of the HTTP layer itself (authentication): the status to answer and a message that is safe to show the caller. */
public class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int getStatus() {
        return status;
    }
}
