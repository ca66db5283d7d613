package io.brevosync.export;

import io.brevosync.export.ExportSource;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.sync.SyncQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The normalisation rules, table by table, with the messy values real CRM data has: each row asserts the exact value
 * sent, or the exact note or rejection recorded.
 */
class RowMapperTest {

    private static final String MAPPING = "EMAIL=email:text, PRENOM=first_name:text, SMS=phone:phone, BIRTHDATE=birth_date:date, "
            + "SCORE=score:number, VIP=vip:boolean, INTERESTS=interests:multiple-choice";
    private final RowMapper mapper = new RowMapper(65_536, 3);
    private final ObjectMapper json = new ObjectMapper();

    @ParameterizedTest(name = "email [{0}] -> {1} {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "'  Ann.Lee@Example.COM '        | ann.lee@example.com        | null",
        "'\u00a0bob+tag@Sub.Example.co.uk\u200b' | bob+tag@sub.example.co.uk | null",
        "'\ufeffo''brien@example.ie'     | o'brien@example.ie         | null",
        "'user@bücher.de'                | user@xn--bcher-kva.de      | null",
        "'USER@ÉCOLE.FR'                 | user@xn--cole-9oa.fr       | null",
        "'éloïse@exemple.fr'             | null | email 'éloïse@exemple.fr' is not a valid address: the part before the @ has non-ASCII characters, which Brevo does not accept",
        "'no-at-sign.example.com'        | null | email 'no-at-sign.example.com' is not a valid address: it needs exactly one @ with text on both sides",
        "'two@@example.com'              | null | email 'two@@example.com' is not a valid address: it needs exactly one @ with text on both sides",
        "'ann lee@example.com'           | null | email 'ann lee@example.com' is not a valid address: the part before the @ has a space, a misplaced dot or a character an address cannot have",
        "'.ann@example.com'              | null | email '.ann@example.com' is not a valid address: the part before the @ has a space, a misplaced dot or a character an address cannot have",
        "'ann..lee@example.com'          | null | email 'ann..lee@example.com' is not a valid address: the part before the @ has a space, a misplaced dot or a character an address cannot have",
        "'nodot@localhost'               | null | email 'nodot@localhost' is not a valid address: the domain is not a valid internet domain",
        "'ann@-example.com'              | null | email 'ann@-example.com' is not a valid address: the domain is not a valid internet domain",
        "'ann@example.c'                 | null | email 'ann@example.c' is not a valid address: the domain is not a valid internet domain",
        "'John <john@example.com>'       | null | email 'john <john@example.com>' is not a valid address: the part before the @ has a space, a misplaced dot or a character an address cannot have",
        "'   '                           | null | email is empty",
        "''                              | null | email is empty",
        "null                            | null | email is empty",
    })
    void emails(String email, String sent, String rejection) throws Exception {
        ExportRow row = map(Map.of("email", email == null ? "" : email), "");
        if (email == null) {
            row = mapper.mapProfile(profile(new HashMap<>()), export(""), null, null);
        }
        assertEquals(rejection, row.reason());
        assertEquals(sent, row.isSent() ? item(row).get("email").asText() : null);
    }

    @Test
    void an_email_above_254_characters_is_rejected_with_its_length() throws Exception {
        ExportRow row = map(Map.of("email", "a".repeat(64) + "@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(60) + ".com"), "");
        assertEquals("email '" + ("a".repeat(64) + "@" + "b".repeat(12)) + "...' is not a valid address: it is 257 characters, above the 254 an "
                + "address may have", row.reason());
    }

    @ParameterizedTest(name = "phone [{0}] in [{1}] -> {2} {3}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "+33 6 12 34 56 78    | ''  | +33612345678  | null",
        "0033-6-12-34-56-78   | ''  | +33612345678  | null",
        "06 12 34 56 78       | FR  | +33612345678  | null",
        "(0)6.12.34.56.78     | FR  | +33612345678  | null",
        "+49 151 23456789     | FR  | +4915123456789 | null",
        "0151 23456789        | DE  | +4915123456789 | null",
        "07911 123456         | GB  | +447911123456 | null",
        "+44 (0) 7911 123456  | US  | +447911123456 | null",
        "(415) 555-2671       | US  | +14155552671  | null",
        "+1 415-555-2671      | ''  | +14155552671  | null",
        "98765 43210          | IN  | +919876543210 | null",
        "'\u00a0+33612345678 '| ''  | +33612345678  | null",
        "06 12 34 56 78       | ''  | null | SMS '06 12 34 56 78' has no country code and the export has no phoneRegion; left out",
        "06 12 34             | FR  | null | SMS '06 12 34' is not a valid phone number in FR; left out",
        "+33 1                | FR  | null | SMS '+33 1' is not a phone number; left out",
        "+33 1 23             | FR  | null | SMS '+33 1 23' is not a valid phone number; left out",
        "call me              | FR  | null | SMS 'call me' is not a phone number; left out",
        "+0 123 456 789       | ''  | null | SMS '+0 123 456 789' has no country code and the export has no phoneRegion; left out",
        "+447911123456        | ''  | +447911123456 | null",
        "+14155552671         | FR  | +14155552671  | null",
        "+80012345678         | ''  | +80012345678  | null",
        "+3361234567          | ''  | null | SMS '+3361234567' is not a valid phone number; left out",
        "+01234567890         | ''  | null | SMS '+01234567890' has no country code and the export has no phoneRegion; left out",
    })
    void phones(String phone, String region, String sent, String note) throws Exception {
        ExportRow row = map(Map.of("email", "a@example.com", "phone", phone), region);
        assertTrue(row.isSent());
        assertEquals(sent, item(row).path("attributes").path("SMS").asText(null));
        assertEquals(sent, row.phone());
        assertEquals(note, row.note());
    }

    @Test
    void an_invalid_phone_rejects_the_row_when_the_export_says_so() throws Exception {
        ExportRow row = mapper.mapProfile(profile(Map.of("email", "a@example.com", "phone", "not a phone")),
                export("FR", DataQuality.REJECT, DataQuality.DROP_SMS, false, DataQuality.TRUNCATE, ""), null, null);
        assertEquals("rejected", row.outcome());
        assertEquals("SMS 'not a phone' is not a phone number", row.reason());
    }

    @ParameterizedTest(name = "{0} [{1}] -> {2} {3}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "score     | ' 42.50 '       | 42.5       | null",
        "score     | '-3'            | -3         | null",
        "score     | '1,5'           | null       | SCORE '1,5' is not a number; left out",
        "score     | 'n/a'           | null       | SCORE 'n/a' is not a number; left out",
        "birth_date| '1990-12-31'    | 1990-12-31 | null",
        "birth_date| '1990-12-31T23:00:00Z' | 1990-12-31 | null",
        "birth_date| '31/12/1990'    | null       | BIRTHDATE '31/12/1990' is not a date (yyyy-MM-dd); left out",
        "birth_date| '1990-02-30'    | null       | BIRTHDATE '1990-02-30' is not a date (yyyy-MM-dd); left out",
        "vip       | 'Yes'           | true       | null",
        "vip       | ' 0 '           | false      | null",
        "vip       | 'maybe'         | null       | VIP 'maybe' is not a boolean (true/false, yes/no, 1/0); left out",
        "interests | 'golf; tennis,golf ;;' | '[\"golf\",\"tennis\"]' | null",
        "first_name| '  Chloé  '     | Chloé      | null",
    })
    void typed_values_from_text(String column, String value, String sent, String note) throws Exception {
        ExportRow row = map(Map.of("email", "a@example.com", column, value), "");
        String attribute = Map.of("score", "SCORE", "birth_date", "BIRTHDATE", "vip", "VIP", "interests", "INTERESTS", "first_name", "PRENOM").get(column);
        JsonNode attributes = item(row).get("attributes");
        assertEquals(sent, attributes.has(attribute) ? (attributes.get(attribute).isTextual() ? attributes.get(attribute).asText() : attributes.get(attribute).toString()) : null);
        assertEquals(note, row.note());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "-43-03-15     | BIRTHDATE '-0043-03-15' is outside the years 1 to 9999 a Brevo date can hold; left out",
        "5874897-12-31 | BIRTHDATE '+5874897-12-31' is outside the years 1 to 9999 a Brevo date can hold; left out",
        "0-01-01       | BIRTHDATE '0000-01-01' is outside the years 1 to 9999 a Brevo date can hold; left out",
        "9999-12-31    | ",
    })
    void database_dates_brevo_cannot_hold_are_left_out_with_a_note(String date, String note) throws Exception {
        String[] parts = date.split("(?<=\\d)-");
        LocalDate day = LocalDate.of(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        ExportRow row = map(Map.of("email", "a@example.com", "birth_date", day), "");
        assertEquals(note == null || note.isEmpty() ? null : note, row.note());
        assertEquals(note == null || note.isEmpty(), item(row).get("attributes").has("BIRTHDATE"));
    }

    @Test
    void database_types_keep_their_json_types() throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("email", "a@example.com");
        values.put("birth_date", Date.valueOf(LocalDate.of(1980, 2, 29)));
        values.put("score", new BigDecimal("7.25"));
        values.put("vip", Boolean.TRUE);
        values.put("interests", List.of("a", " ", "b"));
        values.put("first_name", Timestamp.valueOf(LocalDateTime.of(2026, 1, 2, 3, 4)));
        JsonNode attributes = item(map(values, "")).get("attributes");
        assertEquals("1980-02-29", attributes.get("BIRTHDATE").asText());
        assertTrue(attributes.get("SCORE").isNumber());
        assertTrue(attributes.get("VIP").isBoolean());
        assertEquals("[\"a\",\"b\"]", attributes.get("INTERESTS").toString());
        assertEquals("2026-01-02", attributes.get("PRENOM").asText());
        assertFalse(attributes.has("EMAIL"), "the email travels as the item's identifier, not as an attribute");
    }

    @Test
    void blanks_are_left_out_unless_the_export_sends_blanks() throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("email", "a@example.com");
        values.put("first_name", " \u00a0 ");
        values.put("phone", null);
        values.put("interests", " ");
        assertEquals("{}", item(map(values, "")).get("attributes").toString(), "a blank never erases data in Brevo");
        ExportRow blanks = mapper.mapProfile(profile(values), export("", DataQuality.DROP, DataQuality.DROP_SMS, true, DataQuality.TRUNCATE, ""),
                null, null);
        assertEquals("{\"PRENOM\":\"\",\"SMS\":\"\",\"BIRTHDATE\":\"\",\"SCORE\":\"\",\"VIP\":\"\",\"INTERESTS\":\"\"}",
                item(blanks).get("attributes").toString());
    }

    @Test
    void a_10_kb_text_is_cut_or_rejects_the_row_per_the_export() throws Exception {
        String text = "é".repeat(10_000);
        ExportRow cut = map(Map.of("email", "a@example.com", "first_name", text), "");
        assertEquals("é".repeat(2000), item(cut).get("attributes").get("PRENOM").asText());
        assertEquals("PRENOM is 10000 characters, above the 2000 an export sends; cut to 2000", cut.note());
        ExportRow rejected = mapper.mapProfile(profile(Map.of("email", "a@example.com", "first_name", text)),
                export("", DataQuality.DROP, DataQuality.DROP_SMS, false, DataQuality.REJECT, ""), null, null);
        assertEquals("PRENOM is 10000 characters, above the 2000 an export sends", rejected.reason());
        assertNull(rejected.json());
    }

    @Test
    void a_row_larger_than_the_row_limit_is_rejected_with_its_size() throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("email", "a@example.com");
        values.put("interests", "x".repeat(1000) + ";" + "y".repeat(1000));
        ExportRow mapped = new RowMapper(2_000, 3).mapProfile(profile(values), export(""), null, null);
        assertTrue(mapped.reason().matches("row is 20\\d\\d bytes as JSON, above the 2000-byte row limit"), mapped.reason());
    }

    @Test
    void two_profiles_with_one_number_the_first_keeps_it() throws Exception {
        PhoneOwners owners = new PhoneOwners();
        ExportDefinition export = export("FR");
        ExportRow first = mapper.mapProfile(profile(3, Map.of("email", "a@example.com", "phone", "06 12 34 56 78")), export, owners, null);
        ExportRow second = mapper.mapProfile(profile(9, Map.of("email", "b@example.com", "phone", "+33612345678")), export, owners, null);
        assertEquals("+33612345678", first.phone());
        assertNull(second.phone());
        assertEquals("SMS +33612345678 is also on profile 3, which keeps it (the lowest profile id does); left out", second.note());
        assertEquals("+33612345678", mapper.mapProfile(profile(3, Map.of("email", "a@example.com", "phone", "0612345678")), export, owners, null).phone(),
                "the same profile read again (a second pass) keeps its number");
        ExportRow skipped = mapper.mapProfile(profile(9, Map.of("email", "b@example.com", "phone", "+33612345678")),
                export("FR", DataQuality.DROP, DataQuality.SKIP, false, DataQuality.TRUNCATE, ""), owners, null);
        assertEquals("SMS +33612345678 is also on profile 3, which keeps it (the lowest profile id does)", skipped.reason());
    }

    @Test
    void a_number_brevo_gave_to_another_contact_is_left_out_until_it_changes() throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("email", "a@example.com", "phone", "06 12 34 56 78"));
        values.put(SyncQuery.SMS_CONFLICT, "+33612345678");
        ExportRow row = map(values, "FR");
        assertNull(row.phone());
        assertEquals("SMS +33612345678 belongs to another Brevo contact; left out", row.note());
        values.put("phone", "06 12 34 56 79");
        assertEquals("+33612345679", map(values, "FR").phone());
    }

    @Test
    void a_row_brevo_refused_is_rejected_again_until_it_changes_or_a_full_resync() throws Exception {
        Map<String, Object> row = profile(Map.of("email", "a@example.com"));
        row.put(SyncQuery.PROFILE_ID, "1");
        row.put(SyncQuery.EMAIL, "a@example.com");
        row.put(SyncQuery.ROW_HASH, 42L);
        row.put(SyncQuery.FAILED_HASH, 42L);
        row.put(SyncQuery.REFUSED, "Brevo did not import it (invalid_emails): Invalid email address");
        ExportRow refused = mapper.map(row, export(""), false, null, null);
        assertEquals(ExportRow.REJECTED, refused.outcome());
        assertEquals("Brevo refused it as it is: Brevo did not import it (invalid_emails): Invalid email address; sent again when it changes", refused.reason());
        assertFalse(refused.unlinks(), "its address, if the list holds one, stays");
        row.put(SyncQuery.EMAIL, "old@example.com");
        assertEquals("old@example.com", mapper.map(row, export(""), false, null, null).unlinkEmail(), "an old address the list holds leaves it");
        assertTrue(mapper.map(row, export(""), true, null, null).isSent(), "a full resync sends everything");
        row.put(SyncQuery.ROW_HASH, 43L);
        assertTrue(mapper.map(row, export(""), false, null, null).isSent(), "changed: sent again");
    }

    @Test
    void a_duplicate_email_loses_to_the_lowest_profile_id() throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("email", "a@example.com"));
        values.put(SyncQuery.EMAIL_OWNER, 2L);
        ExportRow row = map(values, "");
        assertEquals("duplicate: profile 2 has the same email and is exported instead (the lowest profile id keeps an address)", row.reason());
        values.put(SyncQuery.EMAIL_OWNER, 1L);
        assertTrue(map(values, "").isSent());
    }

    @Test
    void in_a_first_run_the_first_profile_with_an_address_keeps_it_as_the_rows_come_in_profile_id_order() throws Exception {
        EmailOwners emails = new EmailOwners();
        ExportDefinition export = export("");
        // the query's owner column says each row is its own (a first run): the run decides
        java.util.function.BiFunction<Long, String, ExportRow> row = (id, email) -> mapper.mapProfile(profile(id, Map.of("email", email,
                SyncQuery.EMAIL_OWNER, id)), export, null, emails);
        assertTrue(row.apply(2L, "a@example.com").isSent());
        assertTrue(row.apply(2L, " A@Example.com").isSent(), "the same profile read twice keeps its address");
        assertEquals("duplicate: profile 2 has the same email and is exported instead (the lowest profile id keeps an address)",
                row.apply(5L, "a@EXAMPLE.com ").reason());
        assertTrue(row.apply(6L, "b@example.com").isSent());
        assertTrue(row.apply(1L, "not an email").isRejected() && row.apply(3L, "not an email").reason().startsWith("email "),
                "an invalid address is refused for itself, not as a duplicate");
        // thousands of addresses: the table grows and still knows every owner
        for (long id = 10; id < 5_000; id++) {
            assertTrue(row.apply(id, "user" + id + "@example.com").isSent());
        }
        for (long id = 10; id < 5_000; id += 499) {
            assertEquals("duplicate: profile " + id + " has the same email and is exported instead (the lowest profile id keeps an address)",
                    row.apply(id + 100_000, "USER" + id + "@example.com").reason());
        }
    }

    @ParameterizedTest(name = "consent [{0}] -> sent {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {"true | true", "yes | true", "false | false", "null | false", "'' | false"})
    void rows_without_consent_are_not_sent(String consent, boolean sent) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of("email", "a@example.com"));
        values.put("consent", "true".equals(consent) ? Boolean.TRUE : consent);
        ExportRow row = mapper.mapProfile(profile(values), export("", DataQuality.DROP, DataQuality.DROP_SMS, false, DataQuality.TRUNCATE, "consent"),
                null, null);
        assertEquals(sent, row.isSent());
        if (!sent) {
            assertEquals(ExportRow.NO_CONSENT, row.outcome());
            assertEquals("no consent: consent is " + values.get("consent"), row.reason());
        }
    }

    private ExportRow map(Map<String, Object> values, String region) throws Exception {
        return mapper.mapProfile(profile(values), export(region), null, null);
    }

    private static Map<String, Object> profile(Map<String, Object> values) {
        return profile(1, values);
    }

    private static Map<String, Object> profile(long id, Map<String, Object> values) {
        Map<String, Object> row = new HashMap<>(values);
        row.put("profile_id", id);
        return row;
    }

    private JsonNode item(ExportRow row) throws Exception {
        assertTrue(row.isSent(), "not sent: " + row.reason());
        return json.readTree(row.json());
    }

    private static ExportDefinition export(String region) {
        return export(region, DataQuality.DROP, DataQuality.DROP_SMS, false, DataQuality.TRUNCATE, "");
    }

    private static ExportDefinition export(String region, String invalidPhone, String conflict, boolean blanks, String oversized, String consent) {
        Map<String, MappedAttribute> mapping = new LinkedHashMap<>();
        for (String entry : MAPPING.split(",")) {
            String[] parts = entry.trim().split("[=:]");
            mapping.put(parts[0], new MappedAttribute(parts[0], parts[1], parts[2]));
        }
        return new ExportDefinition("t", "default", 1, List.of("s"), mapping, "0 0 2 * * ?", "UTC", true, new ExportSource("", "select 1", "profile_id", "", false), 100, 1_000_000, "remove", 0, 20,
                new DataQuality(region, invalidPhone, conflict, blanks, oversized, 2000, consent, "", false, false), "", "report", "");
    }

    @Test
    void the_address_checks_accept_exactly_what_their_regular_expressions_do() {
        java.util.regex.Pattern localPart = java.util.regex.Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");
        java.util.regex.Pattern domain = java.util.regex.Pattern.compile("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})");
        // short texts over the characters that decide, and long labels around the 63-character limits
        String alphabet = "ab0Z.-x_n!@ é";
        java.util.Random random = new java.util.Random(19);
        int accepted = 0;
        for (int i = 0; i < 300_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                text.append(i % 10 == 0 && random.nextInt(4) == 0 ? "a".repeat(55 + random.nextInt(12)) : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String candidate = i % 3 == 0 ? text + ".xn--" + text : text.toString();
            assertEquals(localPart.matcher(candidate).matches(), EmailSyntax.isLocalPart(candidate, candidate.length()), "local part [" + candidate + "]");
            assertEquals(domain.matcher(candidate).matches(), EmailSyntax.isDomain(candidate), "domain [" + candidate + "]");
            accepted += EmailSyntax.isDomain(candidate) ? 1 : 0;
        }
        assertTrue(accepted > 1000, "the texts reach the accepting cases too: " + accepted);
    }

    @Test
    void a_phone_number_is_valid_exactly_when_libphonenumber_says_so() {
        var phones = com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance();
        java.util.Random random = new java.util.Random(19);
        int valid = 0;
        int checked = 0;
        List<com.google.i18n.phonenumbers.Phonenumber.PhoneNumber> examples = new java.util.ArrayList<>();
        for (String region : phones.getSupportedRegions()) {
            for (var type : com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType.values()) {
                var example = phones.getExampleNumberForType(region, type);
                if (example != null) {
                    examples.add(example);
                }
            }
        }
        for (int code : phones.getSupportedGlobalNetworkCallingCodes()) {
            examples.add(phones.getExampleNumberForNonGeoEntity(code));
        }
        for (var example : examples) {
            String national = String.valueOf(example.getNationalNumber());
            // the example, its last digits changed, one digit more or less, and digits at random
            for (int i = 0; i < 12; i++) {
                String digits = switch (i % 4) {
                    case 0 -> national.substring(0, Math.max(1, national.length() - 1 - random.nextInt(3))) + random.nextInt(1000);
                    case 1 -> national + random.nextInt(10);
                    case 2 -> national.length() > 2 ? national.substring(0, national.length() - 1) : national;
                    default -> String.valueOf(1 + (long) (random.nextDouble() * Math.pow(10, 3 + random.nextInt(11))));
                };
                var number = new com.google.i18n.phonenumbers.Phonenumber.PhoneNumber().setCountryCode(example.getCountryCode())
                        .setNationalNumber(Long.parseLong(digits.substring(0, Math.min(digits.length(), 17))));
                if (example.hasItalianLeadingZero() && i % 2 == 0) {
                    number.setItalianLeadingZero(true);
                }
                boolean expected = phones.isValidNumber(number);
                assertEquals(expected, PhonePlans.isValid(number), number.toString());
                if (!number.hasItalianLeadingZero()) {
                    // the same number in parts, as an E.164 text is read
                    assertEquals(expected, PhonePlans.isValid(number.getCountryCode(), String.valueOf(number.getNationalNumber())), number.toString());
                }
                valid += expected ? 1 : 0;
                checked++;
            }
        }
        assertTrue(valid > 1000 && checked - valid > 1000, valid + " valid of " + checked);
    }

    @Test
    void an_import_item_is_the_json_that_jacksons_generator_writes() throws Exception {
        var factory = new ObjectMapper().getFactory();
        java.util.Random random = new java.util.Random(23);
        // plain ASCII, JSON's escapes, controls, DEL, accents, a character outside the BMP (a surrogate pair)
        String[] pieces = {"a", "Z", "0", " ", "@.", "\"", "\\", "/", "\t", "\n", "\u0000", "\u001f", "\u007f", "\u00e9", "\u20ac", "\ud83d\ude00"};
        java.util.function.Supplier<String> text = () -> {
            StringBuilder built = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                built.append(pieces[random.nextInt(random.nextBoolean() ? 5 : pieces.length)]);
            }
            return built.toString();
        };
        for (int n = 0; n < 20_000; n++) {
            String email = text.get();
            ImportItem item = new ImportItem(email);
            java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            try (var generator = factory.createGenerator(expected)) {
                generator.writeStartObject();
                generator.writeStringField("email", email);
                generator.writeObjectFieldStart("attributes");
                for (int a = random.nextInt(4); a > 0; a--) {
                    Object value = switch (random.nextInt(8)) {
                        case 0 -> random.nextLong();
                        case 1 -> random.nextInt();
                        case 2 -> new BigDecimal(random.nextInt(100_000)).movePointLeft(random.nextInt(12) - 4);
                        case 3 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                        case 4 -> random.nextBoolean();
                        case 5 -> random.nextFloat();
                        case 6 -> List.of(text.get(), text.get());
                        default -> text.get();
                    };
                    String name = text.get();
                    generator.writeFieldName(name);
                    generator.writeObject(value);
                    item.attribute(name, value);
                }
                generator.writeEndObject();
                generator.writeEndObject();
            }
            assertEquals(expected.toString(java.nio.charset.StandardCharsets.UTF_8), new String(item.end(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
