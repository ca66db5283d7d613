package io.brevosync.sandbox;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** One contact of a sandbox account. Guarded by the account's lock. */
final class Contact {

    final long id;
    String email;
    String sms;
    String extId;
    final Map<String, Object> attributes = new HashMap<>(8);
    boolean emailBlacklisted;
    boolean smsBlacklisted;
    final Instant createdAt;
    Instant modifiedAt;

    Contact(long id, Instant now) {
        this.id = id;
        this.createdAt = now;
        this.modifiedAt = now;
    }
}
