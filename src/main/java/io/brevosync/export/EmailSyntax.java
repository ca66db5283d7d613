package io.brevosync.export;

/**
 * The syntax of an address Brevo takes, checked by loops. These are the regular expressions
 * {@code [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*} for the local part and
 * {@code ([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})} for the domain, at a fraction of a
 * matcher's cost on every row; a test holds the loops to the expressions.
 */
final class EmailSyntax {

    /** What an address's local part may have besides letters and digits (RFC 5322 atoms, no quoted forms). */
    private static final String LOCAL_SYMBOLS = "!#$%&'*+/=?^_`{|}~-";
    /** A DNS label's or top-level domain's longest length. */
    private static final int LABEL_MAX = 63;

    private EmailSyntax() {
    }

    /** The text's first {@code end} characters are ASCII. */
    static boolean isAscii(String text, int end) {
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) >= 128) {
                return false;
            }
        }
        return true;
    }

    /** The text's first {@code end} characters are dot-separated atoms of letters, digits and {@link #LOCAL_SYMBOLS}. */
    static boolean isLocalPart(String text, int end) {
        boolean atomStart = true;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c == '.') {
                if (atomStart) {
                    return false;
                }
                atomStart = true;
            } else if (isLowerAlphanumeric(c) || c >= 'A' && c <= 'Z' || LOCAL_SYMBOLS.indexOf(c) >= 0) {
                atomStart = false;
            } else {
                return false;
            }
        }
        return end > 0 && !atomStart;
    }

    /**
     * Dot-separated labels of 1 to 63 lower-case letters, digits and inner hyphens, then a top-level domain of 2 to 63
     * letters or an IDN one (xn--…).
     */
    static boolean isDomain(String domain) {
        int start = 0;
        int dot = domain.indexOf('.');
        if (dot < 0) {
            return false;
        }
        while (dot >= 0) {
            if (!isLabel(domain, start, dot)) {
                return false;
            }
            start = dot + 1;
            dot = domain.indexOf('.', start);
        }
        return isTopLevel(domain, start, domain.length());
    }

    private static boolean isLabel(String text, int start, int end) {
        int length = end - start;
        return length >= 1 && length <= LABEL_MAX && isLowerAlphanumeric(text.charAt(start)) && isLowerAlphanumeric(text.charAt(end - 1))
                && isHostText(text, start + 1, end - 1);
    }

    private static boolean isTopLevel(String text, int start, int end) {
        int length = end - start;
        if (text.startsWith("xn--", start)) {
            return length >= 5 && length <= LABEL_MAX && isHostText(text, start + 4, end);
        }
        if (length < 2 || length > LABEL_MAX) {
            return false;
        }
        for (int i = start; i < end; i++) {
            if (text.charAt(i) < 'a' || text.charAt(i) > 'z') {
                return false;
            }
        }
        return true;
    }

    /** Lower-case letters, digits and hyphens only, from start to end. */
    private static boolean isHostText(String text, int start, int end) {
        for (int i = start; i < end; i++) {
            if (!isLowerAlphanumeric(text.charAt(i)) && text.charAt(i) != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerAlphanumeric(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
    }
}
