package io.brevosync.export;

/**
 * What a run gave to whom, for a run's millions of rows: a 64-bit key (a hash of what is owned, never 0) to the profile
 * that claimed it first, and whether another claimed it since. Open addressing over primitive arrays, 17 bytes a slot
 * and at most three quarters full (a million keys: 36 MB at most), not a map of strings.
 */
final class OwnerTable {

    /** The owner of a key claimed for a profile whose id is not a whole number. */
    static final long NOT_NUMERIC = Long.MIN_VALUE;
    /** What {@link #claim} answers for a key no one had. */
    static final long NONE = Long.MIN_VALUE + 1;

    private long[] keys = new long[1024];
    private long[] owners = new long[1024];
    private boolean[] contested = new boolean[1024];
    private int size;

    /** Gives the key to the owner if no one has it; answers who had it (NONE: no one). Another owner contests it. */
    long claim(long key, long owner) {
        // at most three quarters full (10 million keys: 16.8 million slots, 285 MB; see the README, Performance)
        if ((size + 1) * 4L > keys.length * 3L) {
            grow();
        }
        int slot = slot(keys, key);
        if (keys[slot] == key) {
            contested[slot] |= owners[slot] != owner || owner == NOT_NUMERIC;
            return owners[slot];
        }
        keys[slot] = key;
        owners[slot] = owner;
        size++;
        return NONE;
    }

    /** Whether several owners claimed the key. */
    boolean isContested(long key) {
        int slot = slot(keys, key);
        return keys[slot] != 0 && contested[slot];
    }

    /**
     * Twice the slots. The three arrays are all made before any is replaced: a heap too small for them (10 million keys
     * take 430 MB during the growth) fails the claim with OutOfMemoryError and leaves the table as it was, where
     * replacing them one by one left keys longer than owners, and every later claim failing.
     */
    private void grow() {
        long[] newKeys = new long[keys.length * 2];
        long[] newOwners = new long[keys.length * 2];
        boolean[] newContested = new boolean[keys.length * 2];
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                int slot = slot(newKeys, keys[i]);
                newKeys[slot] = keys[i];
                newOwners[slot] = owners[i];
                newContested[slot] = contested[i];
            }
        }
        keys = newKeys;
        owners = newOwners;
        contested = newContested;
    }

    private static int slot(long[] keys, long key) {
        int mask = keys.length - 1;
        int slot = (int) (key ^ (key >>> 32)) & mask;
        while (keys[slot] != 0 && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** The key of a text. */
    static long key(String text) {
        return key(text, 0xcbf29ce484222325L);
    }

    /**
     * A 64-bit FNV-1a hash of the text, continuing from hash (several texts: no string built per row), never 0 (0
     * marks an empty slot): a collision among a million keys is about 1 in 30 million.
     */
    static long key(String text, long hash) {
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    /** A profile id as an owner: the id if it fits a long (1 to 18 digits, maybe negative), else NOT_NUMERIC. */
    static long owner(String id) {
        if (id == null) {
            return NOT_NUMERIC;
        }
        int start = id.startsWith("-") ? 1 : 0;
        if (id.length() == start || id.length() - start > 18) {
            return NOT_NUMERIC;
        }
        for (int i = start; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return NOT_NUMERIC;
            }
        }
        return Long.parseLong(id);
    }
}
