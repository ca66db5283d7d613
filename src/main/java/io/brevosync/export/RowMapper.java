package io.brevosync.export;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.temporal.TemporalAccessor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Body;
import io.brevosync.sync.SyncQuery;
import org.apache.camel.ExchangeProperty;

/**
 * Maps a profile row to a Brevo import item {"email", "attributes"} using the export's mapping, and decides what the
 * run does with it from the sync state joined to the row (see {@link SyncQuery}): add, update, unlink, or nothing.
 * Emails are trimmed and lower-cased and must look like an address; blank values are left out so they never erase
 * data in Brevo; an SMS number must carry a country code (+CC or 00CC) or it is left out; a row whose item is larger
 * than the row limit is rejected rather than allowed to break a batch.
 */
public final class RowMapper {

    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$");
    private static final Pattern PHONE_NOISE = Pattern.compile("[\\s\\-.()/]");
    private static final Pattern E164 = Pattern.compile("\\+[1-9]\\d{7,14}");

    private final ObjectMapper json = new ObjectMapper();
    private final int rowMaxBytes;
    private final int maxAttempts;

    public RowMapper(int rowMaxBytes, int maxAttempts) {
        this.rowMaxBytes = rowMaxBytes;
        this.maxAttempts = maxAttempts;
    }

    /**
     * A row of the sync query: a profile that left (only its sync state is there) is unlinked; a profile is sent as
     * add (never delivered) or update, unless it failed {@code maxAttempts} times as it is now (dead, not sent again
     * until it changes or a full resync asks for everything); a changed email also unlinks the old address.
     */
    public ExportRow map(@Body Map<String, Object> row, @ExchangeProperty("export") ExportDefinition export,
            @ExchangeProperty("fullResync") Boolean fullResync) throws JsonProcessingException {
        String lastEmail = (String) row.get(SyncQuery.EMAIL);
        if (row.get("profile_id") == null) {
            return ExportRow.left((String) row.get(SyncQuery.PROFILE_ID), lastEmail);
        }
        ExportRow mapped = mapProfile(row, export).inState(row.get(SyncQuery.PROFILE_ID) != null);
        String oldEmail = lastEmail != null && !lastEmail.equals(mapped.email()) ? lastEmail : null;
        if (mapped.isRejected()) {
            return mapped.unlinking(oldEmail);
        }
        Long hash = (Long) row.get(SyncQuery.ROW_HASH);
        int failures = row.get(SyncQuery.FAILURES) instanceof Number n ? n.intValue() : 0;
        if (failures >= maxAttempts && hash.equals(row.get(SyncQuery.FAILED_HASH)) && !Boolean.TRUE.equals(fullResync)) {
            return mapped.dead("gave up after " + failures + " failed attempts: " + row.get(SyncQuery.LAST_ERROR), oldEmail);
        }
        return mapped.sending(row.get(SyncQuery.HASH) == null ? ExportRow.ADD : ExportRow.UPDATE, hash, oldEmail);
    }

    public int rowMaxBytes() {
        return rowMaxBytes;
    }

    /** The profile's Brevo import item, or its rejection. */
    public ExportRow mapProfile(Map<String, Object> row, ExportDefinition export) throws JsonProcessingException {
        Object id = row.get("profile_id");
        String profileId = id == null ? null : String.valueOf(id);
        Object rawEmail = row.get(export.emailColumn());
        String email = rawEmail == null ? "" : rawEmail.toString().trim().toLowerCase();
        if (email.isEmpty()) {
            return ExportRow.rejected(profileId, null, "email is empty");
        }
        if (!EMAIL.matcher(email).matches()) {
            return ExportRow.rejected(profileId, email, "email '" + abbreviate(email) + "' is not a valid address");
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        export.mapping().forEach((attribute, column) -> {
            Object value = attribute.equals("EMAIL") ? null : value(row.get(column));
            if (value != null && attribute.equals("SMS")) {
                value = phone(value.toString());
            }
            if (value != null) {
                attributes.put(attribute, value);
            }
        });
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("email", email);
        item.put("attributes", attributes);
        byte[] bytes = json.writeValueAsBytes(item);
        if (bytes.length > rowMaxBytes) {
            return ExportRow.rejected(profileId, email, "row is " + bytes.length + " bytes as JSON, above the " + rowMaxBytes + "-byte row limit");
        }
        return ExportRow.accepted(profileId, email, bytes);
    }

    /** Blank is absent; dates as yyyy-MM-dd (Brevo's date format); numbers and booleans keep their JSON type. */
    private static Object value(Object value) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            return null;
        }
        if (value instanceof Date d) {
            return d.toLocalDate().toString();
        }
        if (value instanceof Timestamp t) {
            return t.toLocalDateTime().toLocalDate().toString();
        }
        if (value instanceof LocalDate || value instanceof TemporalAccessor) {
            return value.toString();
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value;
        }
        return value.toString().trim();
    }

    /** +CC… and 00CC… become E.164; anything else (a local number, text) is left out, as Brevo would refuse it. */
    static String phone(String raw) {
        String digits = PHONE_NOISE.matcher(raw).replaceAll("");
        if (digits.startsWith("00")) {
            digits = "+" + digits.substring(2);
        }
        return E164.matcher(digits).matches() ? digits : null;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
