package io.brevosync.export;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

/**
 * Gathers a run's mapped rows into {@link ImportBatch}es bounded by the export's row and byte limits, inside the
 * split: each row either joins the open batch or completes it. Unlike the aggregate EIP (which in Camel 4.18 hands a
 * completed group to the reactive queue, to be sent after the split has returned), a batch is sent before the next
 * row is read, so reading never runs ahead of sending and the last batch is sent inside the run.
 */
public final class ImportBatcher {

    private final int rowMaxBytes;
    private final Map<Long, ImportBatch> open = new ConcurrentHashMap<>();

    public ImportBatcher(int rowMaxBytes) {
        this.rowMaxBytes = rowMaxBytes;
    }

    /** Adds the row to its run's open batch; answers the batch once it is complete, else null. */
    public ImportBatch add(@Body ExportRow row, @ExchangeProperty("runId") long runId, @ExchangeProperty("export") ExportDefinition export,
            @ExchangeProperty(Exchange.SPLIT_COMPLETE) Boolean last) {
        ImportBatch batch = open.computeIfAbsent(runId, id -> new ImportBatch(export.batchMaxRows(), export.batchMaxBytes(), rowMaxBytes));
        batch.add(row);
        batch.last(Boolean.TRUE.equals(last));
        if (!batch.isComplete()) {
            return null;
        }
        open.remove(runId);
        return batch;
    }

    /** Forgets a run's open batch (a run that failed while reading). */
    public void discard(long runId) {
        open.remove(runId);
    }
}
