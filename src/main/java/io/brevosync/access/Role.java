package io.brevosync.access;

import java.util.Locale;

import io.brevosync.Refusal;

/** What a user may do. Each role may do all that the roles below it may. */
public enum Role {
    /** reads exports and runs; rows and payloads only where the connection lets viewers see personal data */
    VIEWER,
    /** runs, cancels, confirms or discards removals, dry runs, sends a profile: on exports whose connection allows it */
    OPERATOR,
    /** everything: users, connections, consent, reloads, the audit log */
    ADMIN;

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    /** admin, operator, viewer: also how the role is written in JSON */
    @com.fasterxml.jackson.annotation.JsonValue
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(String code) {
        for (Role role : values()) {
            if (role.code().equals(code)) {
                return role;
            }
        }
        throw new Refusal.Invalid("role must be admin, operator or viewer, got '" + code + "'");
    }
}
