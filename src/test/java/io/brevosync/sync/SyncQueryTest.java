package io.brevosync.sync;

import io.brevosync.export.ExportSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.export.DataQuality;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.MappedAttribute;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wrapped query sorts by profile id only when a phone is mapped (the lowest id keeps a shared number). */
class SyncQueryTest {

    private static final SyncQuery QUERIES = new SyncQuery("brevo_sync");
    private static final String QUERY = "select id as profile_id, email, phone from profile p where p.segment = any(:#segments)";

    @Test
    void an_export_with_a_phone_reads_its_rows_in_profile_id_order_and_one_without_does_not_wait_for_a_sort() {
        SyncQuery.Statement withPhone = QUERIES.of(export(new MappedAttribute("SMS", "phone", MappedAttribute.PHONE)), false, new String[0], new SyncState.Columns(true, "int8", List.of()));
        SyncQuery.Statement withoutPhone = QUERIES.of(export(new MappedAttribute("LASTNAME", "phone", "text")), false, new String[0], new SyncState.Columns(true, "int8", List.of()));
        assertTrue(withPhone.sql().strip().endsWith("order by d.profile_id"), withPhone.sql());
        assertFalse(withoutPhone.sql().contains("order by"), withoutPhone.sql());
        // the same parameters either way: fingerprint, the segments, export id, full, three times the profiles
        assertEquals(7, withPhone.parameters().size());
        assertEquals(withPhone.parameters().size(), withoutPhone.parameters().size());
    }

    @Test
    void a_first_run_streams_its_rows_in_profile_id_order_without_a_window_or_a_join() {
        ExportDefinition export = export(new MappedAttribute("LASTNAME", "phone", "text"));
        SyncQuery.Statement first = SyncQuery.firstRun(export, true);
        assertFalse(first.sql().contains(" over ("), "no window: " + first.sql());
        assertFalse(first.sql().contains("full join"), "no sync state to join: " + first.sql());
        assertTrue(first.sql().contains("q0.profile_id as sync_email_owner"), "a delivered row owns its address: " + first.sql());
        assertTrue(first.sql().strip().endsWith("order by q.profile_id"), "the first row with an address has the lowest id, phone or not");
        assertEquals(export.fingerprint(), first.parameters().get(0));
        assertEquals(2, first.parameters().size(), "fingerprint, the segments");
        assertTrue(SyncQuery.streamsFirstRun("int8") && SyncQuery.streamsFirstRun("int4"));
        assertFalse(SyncQuery.streamsFirstRun("uuid"), "a run keeps email owners as longs");
    }

    @Test
    void rows_are_hashed_by_value_only_when_every_column_type_has_a_hash_function() {
        assertTrue(SyncQuery.byValue(List.of("int8", "text", "date", "bool", "_text", "jsonb")));
        assertFalse(SyncQuery.byValue(List.of("int8", "json")), "json has no hash function");
        assertFalse(SyncQuery.byValue(List.of("text", "citext")), "citext's ignores case");
        assertTrue(QUERIES.of(export(new MappedAttribute("SMS", "phone", MappedAttribute.PHONE)), false, new String[0], new SyncState.Columns(false, "int8", List.of())).sql()
                .contains("hashtextextended(?::text || q::text, 0)"));
    }

    @Test
    void the_sync_state_is_read_in_the_servers_schema_and_named_columns_become_what_the_comparison_reads() {
        ExportDefinition export = export(new MappedAttribute("LASTNAME", "last_name", "text"));
        assertTrue(QUERIES.of(export, false, new String[0], new SyncState.Columns(true, "int8", List.of())).sql().contains("from brevo_sync.sync_state s"), "the customer's tables are not searched");
        ExportDefinition tagged = export.readingFrom(new ExportSource("", "select id, email, tags from customers", "id", "tags", false));
        SyncQuery.Statement columns = SyncQuery.columns(tagged);
        assertTrue(columns.sql().contains("select k0.id as profile_id, k0.* from (select id, email, tags from customers) k0"), columns.sql());
        assertTrue(columns.sql().contains("m0.tags::text[] && ?::text[]"), columns.sql());
        assertEquals(List.of(List.of("a")), columns.parameters().stream().map(p -> List.of((String[]) p)).toList(), "the segments, once");
    }

    private static ExportDefinition export(MappedAttribute other) {
        Map<String, MappedAttribute> mapping = new LinkedHashMap<>();
        mapping.put("EMAIL", new MappedAttribute("EMAIL", "email", "text"));
        mapping.put(other.attribute(), other);
        return new ExportDefinition("x", "default", 1, List.of("a"), mapping, "0 0 2 * * ?", "UTC", true, new ExportSource("", QUERY, "profile_id", "", false), 50_000, 8_000_000, "remove", 0, 20,
                DataQuality.defaults(), "", "report", "");
    }
}
