package io.brevosync.export;

import java.sql.Date;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Profile rows become Brevo import items: normalised emails, E.164 phones, no blanks, typed values, bounded size. */
class RowMapperTest {

    private static final ExportDefinition EXPORT = new ExportDefinition("t", "default", 1, List.of("s"),
            new LinkedHashMap<>(Map.of("EMAIL", "email", "FIRSTNAME", "first_name", "SMS", "phone", "BIRTHDATE", "birth_date", "CONSENT", "consent")),
            "0 0 2 * * ?", true, "select 1", 100, 1_000_000, "remove", 0, 20);
    private final RowMapper mapper = new RowMapper(2_000, 3);
    private final ObjectMapper json = new ObjectMapper();

    @ParameterizedTest(name = "email [{0}] -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "'  Ann.Lee@Example.COM '    | ann.lee@example.com | null",
        "'bob+tag@sub.example.co.uk' | bob+tag@sub.example.co.uk | null",
        "'éloïse@exemple.fr'         | éloïse@exemple.fr   | null",
        "'no-at-sign.example.com'    | null | email 'no-at-sign.example.com' is not a valid address",
        "'two@@example.com'          | null | email 'two@@example.com' is not a valid address",
        "'nodot@localhost'           | null | email 'nodot@localhost' is not a valid address",
        "'   '                       | null | email is empty",
        "null                        | null | email is empty",
    })
    void emails_are_trimmed_lower_cased_and_checked(String email, String expected, String rejection) throws Exception {
        Map<String, Object> row = new HashMap<>();
        row.put("profile_id", 7L);
        row.put("email", email);
        ExportRow mapped = mapper.mapProfile(row, EXPORT);
        assertEquals(rejection, mapped.reason());
        assertEquals("7", mapped.profileId());
        if (expected != null) {
            assertEquals(expected, json.readTree(mapped.json()).get("email").asText());
        }
    }

    @ParameterizedTest(name = "phone [{0}] -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "+33 6 12 34 56 78  | +33612345678",
        "0033-6-12-34-56-78 | +33612345678",
        "+1 (415) 555-0100  | +14155550100",
        "06 12 34 56 78     | null",
        "call me            | null",
        "+0 123             | null",
    })
    void phones_become_e164_or_are_left_out(String phone, String expected) {
        assertEquals(expected, RowMapper.phone(phone));
    }

    @Test
    void blanks_are_left_out_and_values_keep_their_types() throws Exception {
        Map<String, Object> row = new HashMap<>();
        row.put("profile_id", 1);
        row.put("email", "a@example.com");
        row.put("first_name", "  ");
        row.put("phone", null);
        row.put("birth_date", Date.valueOf(LocalDate.of(1980, 2, 29)));
        row.put("consent", true);
        var item = json.readTree(mapper.mapProfile(row, EXPORT).json());
        var attributes = item.get("attributes");
        assertFalse(attributes.has("FIRSTNAME"), "a blank never erases data in Brevo");
        assertFalse(attributes.has("SMS"));
        assertEquals("1980-02-29", attributes.get("BIRTHDATE").asText());
        assertTrue(attributes.get("CONSENT").isBoolean());
        assertFalse(attributes.has("EMAIL"), "the email travels as the item's identifier, not as an attribute");
    }

    @Test
    void a_row_larger_than_the_row_limit_is_rejected_with_its_size() throws Exception {
        Map<String, Object> row = new HashMap<>();
        row.put("profile_id", 1);
        row.put("email", "a@example.com");
        row.put("first_name", "x".repeat(10_000));
        ExportRow mapped = mapper.mapProfile(row, EXPORT);
        assertTrue(mapped.isRejected());
        assertTrue(mapped.reason().matches("row is 100\\d\\d bytes as JSON, above the 2000-byte row limit"), mapped.reason());
        assertNull(mapped.json());
    }
}
