package io.brevosync.export;

/**
 * The phone numbers a run has given to a profile so far (Brevo allows one contact per number): a second profile with
 * the same number gets it left out. Rows are read in profile id order, so the lowest profile id keeps the number.
 * A number claimed by several profiles is contested: if Brevo refuses a number of the run, it is most likely one of those
 * (another profile's contact holds it), so they are the ones looked up first (PhoneConflicts).
 */
public final class PhoneOwners {

    private final OwnerTable numbers = new OwnerTable();

    /** Gives the number to the profile; answers the profile that already has it (or "another profile"), or null. */
    public synchronized String claim(String attribute, String number, String profileId) {
        long owner = OwnerTable.owner(profileId);
        long had = numbers.claim(key(attribute, number), owner);
        if (had == OwnerTable.NONE || had == owner && owner != OwnerTable.NOT_NUMERIC) {
            return null;
        }
        return had == OwnerTable.NOT_NUMERIC ? "another profile" : "profile " + had;
    }

    /** Whether several profiles of the run claimed the number. */
    public synchronized boolean isContested(String attribute, String number) {
        return numbers.isContested(key(attribute, number));
    }

    /** The number's key: attribute and number hashed together. */
    private static long key(String attribute, String number) {
        return OwnerTable.key(number, OwnerTable.key(attribute));
    }
}
