package io.brevosync.export;

/**
 * The phone numbers a run has given to a profile so far (Brevo allows one contact per number): a second profile with
 * the same number gets it left out. Rows are read in profile id order, so the lowest profile id keeps the number.
 * A number claimed by several profiles is contested: if Brevo refuses a number of the run, it is most likely one of those
 * (another profile's contact holds it), so they are the ones looked up first (PhoneConflicts).
 * Primitive arrays, 17 bytes a slot (a million numbers: 36 MB at most), not a map of strings.
 */
public final class PhoneOwners {

    private static final long NOT_NUMERIC = Long.MIN_VALUE;
    private long[] keys = new long[1024];
    private long[] owners = new long[1024];
    private boolean[] contested = new boolean[1024];
    private int size;

    /** Gives the number to the profile; answers the profile that already has it (or "another profile"), or null. */
    public synchronized String claim(String attribute, String number, String profileId) {
        long key = key(attribute, number);
        // at most three quarters full (10 million numbers: 16.8 million slots, 285 MB; see the README, Performance)
        if ((size + 1) * 4L > keys.length * 3L) {
            grow();
        }
        int slot = slot(keys, key);
        long owner = numeric(profileId) ? Long.parseLong(profileId) : NOT_NUMERIC;
        if (keys[slot] == key) {
            contested[slot] |= owners[slot] != owner || owner == NOT_NUMERIC;
            return owners[slot] == owner && owner != NOT_NUMERIC ? null : owners[slot] == NOT_NUMERIC ? "another profile" : "profile " + owners[slot];
        }
        keys[slot] = key;
        owners[slot] = owner;
        size++;
        return null;
    }

    /** Whether several profiles of the run claimed the number. */
    public synchronized boolean isContested(String attribute, String number) {
        int slot = slot(keys, key(attribute, number));
        return keys[slot] != 0 && contested[slot];
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldOwners = owners;
        boolean[] oldContested = contested;
        keys = new long[oldKeys.length * 2];
        owners = new long[oldKeys.length * 2];
        contested = new boolean[oldKeys.length * 2];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                int slot = slot(keys, oldKeys[i]);
                keys[slot] = oldKeys[i];
                owners[slot] = oldOwners[i];
                contested[slot] = oldContested[i];
            }
        }
    }

    private static int slot(long[] keys, long key) {
        int mask = keys.length - 1;
        int slot = (int) (key ^ (key >>> 32)) & mask;
        while (keys[slot] != 0 && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** The number's key: attribute and number hashed together. */
    private static long key(String attribute, String number) {
        return key(number, key(attribute, 0xcbf29ce484222325L));
    }

    /**
     * A 64-bit FNV-1a hash of the text, continuing from hash (attribute then number: no string built per row), never 0
     * (0 marks an empty slot): a collision among a million numbers is about 1 in 30 million.
     */
    private static long key(String text, long hash) {
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    /** An id that fits a long (1 to 18 digits, maybe negative), checked without a regular expression on every row. */
    private static boolean numeric(String id) {
        if (id == null) {
            return false;
        }
        int start = id.startsWith("-") ? 1 : 0;
        if (id.length() == start || id.length() - start > 18) {
            return false;
        }
        for (int i = start; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
