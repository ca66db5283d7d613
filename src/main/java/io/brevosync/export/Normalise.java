package io.brevosync.export;

import java.math.BigDecimal;
import java.net.IDN;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.text.Normalizer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * The normalisation rules, one value at a time, before anything is sent: emails, phones (E.164 by libphonenumber) and
 * typed attribute values. Each answers what to send, or why the value is left out or the row rejected.
 */
public final class Normalise {

    /** What became of a value: the value to send (null: nothing), a note when it was changed or left out, or a rejection of the row. */
    public record Outcome(Object value, String note, String rejection) {

        static Outcome of(Object value) {
            return new Outcome(value, null, null);
        }

        static Outcome changed(Object value, String note) {
            return new Outcome(value, note, null);
        }

        static Outcome leftOut(String note) {
            return new Outcome(null, note, null);
        }

        static Outcome rejected(String why) {
            return new Outcome(null, null, why);
        }

        public boolean isRejected() {
            return rejection != null;
        }
    }

    /** Padding trimmed off every text: whitespace, no-break and zero-width spaces, byte order marks. The same set in SQL. */
    static final String PADDING = " \t\r\n\u000B\f\u00A0\u2007\u202F\u200B\u200C\u200D\u2060\uFEFF";
    private static final int EMAIL_MAX = 254;
    private static final Pattern ISO_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}([T ].*)?");
    private static final Set<String> TRUE = Set.of("true", "t", "yes", "y", "1", "on");
    private static final Set<String> FALSE = Set.of("false", "f", "no", "n", "0", "off");
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    private Normalise() {
    }

    /**
     * The SQL twin of {@link #emailKey}: the key duplicates are found by, in the database. Its padding is an escape
     * string (a tab as backslash-t, a no-break space by its code), so the SQL a DBA is given to read and paste (feed
     * install) holds no invisible characters.
     */
    public static String emailKeySql(String column) {
        return "nullif(lower(btrim(" + column + "::text, " + PADDING_SQL + ")), '')";
    }

    /** {@link #PADDING} as a PostgreSQL escape string literal: the same characters, each visible. */
    private static final String PADDING_SQL = PADDING.chars().mapToObj(c -> switch (c) {
        case '\t' -> "\\t";
        case '\r' -> "\\r";
        case '\n' -> "\\n";
        case '\f' -> "\\f";
        default -> c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04X", c);
    }).collect(java.util.stream.Collectors.joining("", "E'", "'"));

    /** Trimmed and lower-cased: two emails with the same key are the same address. */
    public static String emailKey(Object raw) {
        return raw == null ? "" : strip(raw.toString()).toLowerCase(Locale.ROOT);
    }

    /** An address Brevo takes: trimmed, lower-case, ASCII local part, domain in ASCII (IDN punycode), 254 characters at most. */
    public static Outcome email(Object raw) {
        String email = emailKey(raw);
        boolean ascii = EmailSyntax.isAscii(email, email.length());
        email = ascii ? email : Normalizer.normalize(email, Normalizer.Form.NFC);
        if (email.isEmpty()) {
            return Outcome.rejected("email is empty");
        }
        int at = email.lastIndexOf('@');
        String problem = null;
        if (at <= 0 || at == email.length() - 1 || email.indexOf('@') != at) {
            problem = "it needs exactly one @ with text on both sides";
        } else if (!EmailSyntax.isAscii(email, at)) {
            problem = "the part before the @ has non-ASCII characters, which Brevo does not accept";
        } else if (at > 64 || !EmailSyntax.isLocalPart(email, at)) {
            problem = "the part before the @ has a space, a misplaced dot or a character an address cannot have";
        } else {
            String domain;
            try {
                domain = ascii ? email.substring(at + 1) : IDN.toASCII(email.substring(at + 1), IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                domain = null;
            }
            if (domain == null || !EmailSyntax.isDomain(domain)) {
                problem = "the domain is not a valid internet domain";
            } else {
                email = email.substring(0, at + 1) + domain;
                if (email.length() > EMAIL_MAX) {
                    problem = "it is " + email.length() + " characters, above the " + EMAIL_MAX + " an address may have";
                }
            }
        }
        return problem == null ? Outcome.of(email) : Outcome.rejected("email '" + abbreviate(email) + "' is not a valid address: " + problem);
    }

    /**
     * A phone number in E.164 (+CC…): international forms (+CC, 00CC) as they are, national forms read in the export's
     * region. Not a valid number: null, with the reason.
     */
    public static Outcome phone(Object raw, String region) {
        String text = strip(raw.toString());
        String international = text.startsWith("00") ? "+" + text.substring(2) : text;
        String shown = "'" + abbreviate(text) + "'";
        int countryCode = e164CountryCode(international);
        if (countryCode > 0) {
            String national = international.substring(1 + String.valueOf(countryCode).length());
            return PhonePlans.isValid(countryCode, national) ? Outcome.of(international) : Outcome.leftOut(shown + " is not a valid phone number");
        }
        try {
            PhoneNumber number = PHONES.parse(international, region.isEmpty() ? "ZZ" : region);
            if (PhonePlans.isValid(number)) {
                return Outcome.of(PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164));
            }
            return Outcome.leftOut(shown + " is not a valid phone number" + (region.isEmpty() || international.startsWith("+") ? "" : " in " + region));
        } catch (NumberParseException e) {
            if (e.getErrorType() == NumberParseException.ErrorType.INVALID_COUNTRY_CODE) {
                return Outcome.leftOut(shown + " has no country code" + (region.isEmpty() ? " and the export has no phoneRegion" : ""));
            }
            return Outcome.leftOut(shown + " is not a phone number");
        }
    }

    /**
     * The country calling code of a text already in E.164 form (+ and 8 to 15 digits, no leading zero after the
     * country code), read without libphonenumber's parser: it costs a fifth, and most stored numbers look like this.
     * Else 0.
     */
    private static int e164CountryCode(String text) {
        int length = text.length();
        if (length < 9 || length > 16 || text.charAt(0) != '+' || text.charAt(1) == '0') {
            return 0;
        }
        for (int i = 1; i < length; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return 0;
            }
        }
        // country calling codes are 1 to 3 digits and none is the prefix of another
        int countryCode = 0;
        for (int digits = 1; digits <= 3; digits++) {
            countryCode = countryCode * 10 + (text.charAt(digits) - '0');
            if (!PHONES.getRegionCodeForCountryCode(countryCode).equals("ZZ")) {
                return length - 1 - digits < 4 || text.charAt(1 + digits) == '0' ? 0 : countryCode;
            }
        }
        return 0;
    }

    /** A blank value: null, or a text of padding only (also an empty array). */
    static boolean isBlank(Object value) {
        return value == null || (value instanceof String s && strip(s).isEmpty());
    }

    /** A value for a text, number, date, boolean or multiple-choice attribute; one that does not fit is left out, with the reason. */
    static Outcome typed(Object raw, String type, DataQuality quality) {
        return switch (type) {
            case MappedAttribute.NUMBER -> number(raw);
            case MappedAttribute.DATE -> date(raw);
            case MappedAttribute.BOOLEAN -> bool(raw);
            case MappedAttribute.MULTIPLE_CHOICE -> choices(raw);
            default -> text(raw, quality);
        };
    }

    private static Outcome text(Object raw, DataQuality quality) {
        String text = strip(raw instanceof java.sql.Date || raw instanceof Timestamp ? dateOf(raw).toString() : raw.toString());
        int length = text.codePointCount(0, text.length());
        if (length <= quality.textMaxChars()) {
            return Outcome.of(text);
        }
        String limit = "is " + length + " characters, above the " + quality.textMaxChars() + " an export sends";
        if (quality.oversized().equals(DataQuality.REJECT)) {
            return Outcome.rejected(limit);
        }
        return Outcome.changed(text.substring(0, text.offsetByCodePoints(0, quality.textMaxChars())), limit + "; cut to " + quality.textMaxChars());
    }

    private static Outcome number(Object raw) {
        if (raw instanceof Number n) {
            boolean finite = !(n instanceof Double d && !Double.isFinite(d)) && !(n instanceof Float f && !Float.isFinite(f));
            return finite ? Outcome.of(n) : Outcome.leftOut("'" + n + "' is not a finite number; left out");
        }
        String text = strip(raw.toString());
        try {
            return Outcome.of(new BigDecimal(text));
        } catch (NumberFormatException e) {
            return Outcome.leftOut("'" + abbreviate(text) + "' is not a number; left out");
        }
    }

    private static Outcome date(Object raw) {
        LocalDate date = dateOf(raw);
        if (date != null && (date.getYear() < 1 || date.getYear() > 9999)) {
            return Outcome.leftOut("'" + date + "' is outside the years 1 to 9999 a Brevo date can hold; left out");
        }
        if (date != null) {
            return Outcome.of(date.toString());
        }
        String text = strip(raw.toString());
        if (ISO_DATE.matcher(text).matches()) {
            try {
                return Outcome.of(LocalDate.parse(text.substring(0, 10)).toString());
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        return Outcome.leftOut("'" + abbreviate(text) + "' is not a date (yyyy-MM-dd); left out");
    }

    /** Dates and times of the database as a day (UTC for instants). */
    private static LocalDate dateOf(Object raw) {
        if (raw instanceof java.sql.Date d) {
            return d.toLocalDate();
        }
        if (raw instanceof Timestamp t) {
            return t.toLocalDateTime().toLocalDate();
        }
        if (raw instanceof LocalDate d) {
            return d;
        }
        if (raw instanceof LocalDateTime t) {
            return t.toLocalDate();
        }
        if (raw instanceof OffsetDateTime t) {
            return t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDate();
        }
        return raw instanceof Instant i ? i.atOffset(ZoneOffset.UTC).toLocalDate() : null;
    }

    /** True, or a text or number meaning true (yes, 1, on…); null and anything else is not. */
    static boolean isTrue(Object raw) {
        return raw != null && bool(raw).value() == Boolean.TRUE;
    }

    private static Outcome bool(Object raw) {
        if (raw instanceof Boolean b) {
            return Outcome.of(b);
        }
        String text = strip(raw.toString()).toLowerCase(Locale.ROOT);
        if (TRUE.contains(text) || FALSE.contains(text)) {
            return Outcome.of(TRUE.contains(text));
        }
        return Outcome.leftOut("'" + abbreviate(text) + "' is not a boolean (true/false, yes/no, 1/0); left out");
    }

    /** An SQL array, or a text of options separated by ; or , : the distinct non-blank options. */
    private static Outcome choices(Object raw) {
        List<?> items;
        try {
            items = raw instanceof Array a ? Arrays.asList((Object[]) a.getArray())
                    : raw instanceof Collection<?> c ? List.copyOf(c) : Arrays.asList(raw.toString().split("[;,]"));
        } catch (SQLException e) {
            return Outcome.leftOut("the array could not be read: " + e.getMessage());
        }
        List<String> options = items.stream().filter(i -> !isBlank(i)).map(i -> strip(i.toString())).distinct().toList();
        return options.isEmpty() ? Outcome.of(null) : Outcome.of(options);
    }

    static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && PADDING.indexOf(text.charAt(start)) >= 0) {
            start++;
        }
        while (end > start && PADDING.indexOf(text.charAt(end - 1)) >= 0) {
            end--;
        }
        return text.substring(start, end);
    }

    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
