package io.brevosync.sandbox;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/** A Brevo contact list: members are contact ids in the order they joined. Guarded by the account's lock. */
final class ContactList {

    final long id;
    final String name;
    final long folderId;
    final Instant createdAt;
    final Set<Long> members = new LinkedHashSet<>();

    ContactList(long id, String name, long folderId, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.folderId = folderId;
        this.createdAt = createdAt;
    }
}
