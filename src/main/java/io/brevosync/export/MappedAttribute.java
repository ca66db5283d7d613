package io.brevosync.export;

import java.util.Map;
import java.util.Set;

/**
 * One entry of an export's mapping: a column of the export's query feeding a Brevo attribute of a type. Written in
 * the mapping as {@code ATTRIBUTE=column} or {@code ATTRIBUTE=column:type}.
 *
 * @param type text (the default), number, date, boolean, multiple-choice or phone (the default of SMS, WHATSAPP and
 *     LANDLINE_NUMBER, Brevo's phone identifiers)
 */
public record MappedAttribute(String attribute, String column, String type) {

    /** Names interned: a run looks each column up in every row, and a row's labels are interned too (SyncRows). */
    public MappedAttribute {
        attribute = attribute.intern();
        column = column.intern();
        type = type.intern();
    }

    public static final String TEXT = "text";
    public static final String NUMBER = "number";
    public static final String DATE = "date";
    public static final String BOOLEAN = "boolean";
    public static final String MULTIPLE_CHOICE = "multiple-choice";
    public static final String PHONE = "phone";

    /** Each type and the types of Brevo attribute (GET /v3/contacts/attributes) that take its values. */
    static final Map<String, Set<String>> BREVO_TYPES = Map.of(TEXT, Set.of("text"), NUMBER, Set.of("float", "id"), DATE, Set.of("date"),
            BOOLEAN, Set.of("boolean"), MULTIPLE_CHOICE, Set.of("multiple-choice"), PHONE, Set.of("text", "phone"));

    /** Brevo's phone identifiers: a number belongs to one contact only. */
    static final Set<String> PHONE_ATTRIBUTES = Set.of("SMS", "WHATSAPP", "LANDLINE_NUMBER");

    static String defaultType(String attribute) {
        return PHONE_ATTRIBUTES.contains(attribute) ? PHONE : TEXT;
    }

    public boolean isPhone() {
        return type.equals(PHONE);
    }

    /** Whether a Brevo attribute of this type takes the mapped values. */
    public boolean fits(String brevoType) {
        return BREVO_TYPES.get(type).contains(brevoType);
    }

    @Override
    public String toString() {
        return column + ":" + type;
    }
}
