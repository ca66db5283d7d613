package io.brevosync.access;

/** Who an API call comes from: a user (or the bootstrap token, user "api-token") and its role. */
public record Caller(String name, Role role) {

    /** The user the API_TOKEN stands for: an admin. */
    public static final String BOOTSTRAP = "api-token";
}
