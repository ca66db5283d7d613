package io.brevosync.export;

import io.brevosync.export.ExportSource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batches respect both limits exactly, keep every row, and the last row flushes the last batch. */
class ImportBatcherTest {

    private final ImportBatcher batcher = new ImportBatcher();

    @Test
    void byte_limit_is_never_exceeded_and_batches_are_filled() throws Exception {
        ExportDefinition export = export(1_000, 50_000);
        List<ImportBatch> batches = new ArrayList<>();
        int rows = 500;
        for (int i = 0; i < rows; i++) {
            // rows of varying size, some near 10 kB
            String value = "v".repeat((i * 7919) % 9_000);
            batches.addAll(batcher.add(List.of(row(i, "{\"email\":\"u" + i + "@example.com\",\"attributes\":{\"CITY\":\"" + value + "\"}}")), 1L, export, i == rows - 1));
        }
        int total = 0;
        for (ImportBatch batch : batches) {
            byte[] body = batch.importRequest(5, false);
            assertTrue(body.length <= 50_000, "body of " + body.length + " bytes");
            new ObjectMapper().readTree(body); // valid JSON
            total += batch.getRows().size();
        }
        assertEquals(rows, total, "every row in exactly one batch");
        for (int i = 0; i < batches.size() - 1; i++) {
            assertTrue(batches.get(i).importRequest(5, false).length > 50_000 - 10_200, "batch " + i + " was closed only when the next row did not fit");
        }
    }

    @Test
    void row_limit_and_rejected_rows() {
        ExportDefinition export = export(3, 8_000_000);
        List<ImportBatch> batches = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ExportRow row = i % 4 == 3 ? ExportRow.rejected(String.valueOf(i), null, "email is empty") : row(i, "{\"email\":\"u" + i + "@example.com\"}");
            batches.addAll(batcher.add(List.of(row), 2L, export, i == 7));
        }
        assertEquals(List.of(3, 3), batches.stream().map(b -> b.getRows().size()).toList());
        assertEquals(2, batches.stream().mapToInt(b -> b.getNotSent().size()).sum());
        String body = new String(batches.get(0).importRequest(9, false), StandardCharsets.UTF_8);
        assertTrue(body.startsWith("{\"listIds\":[9],\"updateExistingContacts\":true,\"emptyContactsAttributes\":false,\"jsonBody\":["), body);
    }

    @Test
    void many_rows_not_sent_are_recorded_on_their_own_and_do_not_close_the_import() {
        ExportDefinition export = export(1_000, 8_000_000);
        List<ImportBatch> batches = new ArrayList<>();
        int rows = 3 * ImportBatch.MAX_NOT_SENT + 100;
        for (int i = 0; i < rows; i++) {
            ExportRow row = i % 100 == 0 ? row(i, "{\"email\":\"u" + i + "@example.com\"}") : ExportRow.rejected(String.valueOf(i), null, "email is empty");
            batches.addAll(batcher.add(List.of(row), 3L, export, i == rows - 1));
        }
        assertEquals(List.of(0, 0, (rows - 1) / 100 + 1), batches.stream().map(b -> b.getRows().size()).toList(), "one import of every row sent");
        assertEquals(rows - (rows - 1) / 100 - 1, batches.stream().mapToInt(b -> b.getNotSent().size()).sum(), "every row not sent is recorded");
        assertTrue(batches.stream().allMatch(b -> b.getNotSent().size() <= ImportBatch.MAX_NOT_SENT));
    }

    @Test
    void runs_batch_separately() {
        ExportDefinition export = export(2, 8_000_000);
        assertEquals(0, batcher.add(List.of(row(1, "{\"email\":\"a@example.com\"}")), 1L, export, false).size());
        assertEquals(0, batcher.add(List.of(row(2, "{\"email\":\"b@example.com\"}")), 2L, export, false).size());
        assertEquals(1, batcher.add(List.of(row(3, "{\"email\":\"c@example.com\"}")), 1L, export, true).get(0).getRows().size() - 1);
    }

    private static ExportRow row(int id, String json) {
        return ExportRow.accepted(String.valueOf(id), "u" + id + "@example.com", json.getBytes(StandardCharsets.UTF_8), null, null);
    }

    private static ExportDefinition export(int rows, int bytes) {
        return new ExportDefinition("t", "default", 1, List.of("s"), Map.of("EMAIL", new MappedAttribute("EMAIL", "email", "text")), "0 0 2 * * ?", "UTC", true, new ExportSource("", "q", "profile_id", "", false),
                rows, bytes, "remove", 0, 20, DataQuality.defaults(), "", "report", "");
    }
}
