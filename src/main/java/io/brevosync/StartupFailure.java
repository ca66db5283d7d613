package io.brevosync;

/**
 * A reason the server cannot start that the person starting it can fix (a setting, a port, the database): its
 * message is one line naming the cause and what to set. {@link Application} prints it and exits with status 1.
 */
public final class StartupFailure extends RuntimeException {

    public StartupFailure(String message) {
        super(message);
    }

    public StartupFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first start-up failure in a chain of causes, or null. */
    public static StartupFailure in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StartupFailure startup) {
                return startup;
            }
        }
        return null;
    }
}
