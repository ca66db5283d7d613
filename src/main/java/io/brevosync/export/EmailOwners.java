package io.brevosync.export;

/**
 * The addresses a first run has given to a profile so far, found as its rows come in profile id order (SyncQuery's
 * firstRun): the first profile with an address has the lowest id, and keeps it, as the window of a later run decides.
 * Only for whole-number profile ids. Two addresses whose 64-bit keys collide (about 1 in 30 million for a million
 * addresses) would make the second a duplicate for this run; it is never delivered, so the next run compares it again.
 */
public final class EmailOwners {

    private final OwnerTable addresses = new OwnerTable();

    /** Gives the address (its key: trimmed, lower-case) to the profile; answers the profile id that has it, maybe this one. */
    public synchronized String claim(String emailKey, String profileId) {
        long had = addresses.claim(OwnerTable.key(emailKey), OwnerTable.owner(profileId));
        return had == OwnerTable.NONE ? profileId : String.valueOf(had);
    }
}
