package io.brevosync.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.apache.camel.Header;

/** Checks the bearer token of every /api call; the token comes from the environment (API_TOKEN), never from a file in git. */
public final class ApiAuth {

    private final byte[] token;

    public ApiAuth(String token) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("api.token must be set (environment variable API_TOKEN), at least 16 characters");
        }
        this.token = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    public void check(@Header("Authorization") String authorization) {
        byte[] given = authorization == null ? new byte[0] : authorization.trim().getBytes(StandardCharsets.UTF_8);
        // constant-time comparison: the answer time says nothing about how much of the token was right
        if (!MessageDigest.isEqual(token, given)) {
            throw new ApiException(401, "unauthorized");
        }
    }
}
