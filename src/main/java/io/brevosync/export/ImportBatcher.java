package io.brevosync.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

/**
 * Gathers a run's mapped rows into {@link ImportBatch}es bounded by the export's row and byte limits, inside the
 * split (a step of it holds 500 rows): a row that does not fit closes the open batch and starts the next (10,000 rows
 * not sent go on their own, to be recorded, and leave the open batch's import open). Unlike the
 * aggregate EIP (which in Camel 4.18 hands a completed group to the reactive queue, to be sent after the split has
 * returned), a complete batch goes to the sender at once (one in flight at most, see BatchImporter), so reading
 * never runs more than a batch ahead of sending and the last batch is sent inside the run.
 */
public final class ImportBatcher {

    private final Map<Long, ImportBatch> open = new ConcurrentHashMap<>();

    /** Adds the rows to their run's open batch; answers the batches they completed (the last step also closes the open one). */
    public List<ImportBatch> add(@Body List<ExportRow> rows, @ExchangeProperty("runId") long runId, @ExchangeProperty("export") ExportDefinition export,
            @ExchangeProperty(Exchange.SPLIT_COMPLETE) Boolean last) {
        List<ImportBatch> complete = new ArrayList<>(2);
        ImportBatch batch = open.computeIfAbsent(runId, id -> ImportBatch.within(export));
        for (ExportRow row : rows) {
            if (!batch.isEmpty() && !batch.fits(row)) {
                if (row.isSent()) {
                    complete.add(batch);
                    batch = ImportBatch.within(export);
                    open.put(runId, batch);
                } else {
                    complete.add(batch.takeNotSent());
                }
            }
            batch.add(row);
        }
        if (Boolean.TRUE.equals(last)) {
            complete.add(open.remove(runId));
        }
        return complete;
    }

    /** Forgets a run's open batch (a run that failed while reading). */
    public void discard(long runId) {
        open.remove(runId);
    }
}
