package io.brevosync.run;

import java.sql.SQLException;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.brevo.BrevoAnswers;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.db.Outage;
import io.brevosync.export.DataQuality;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRow;
import io.brevosync.export.ImportBatch;
import io.brevosync.sync.SyncState;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a run's batches to Brevo, one in flight while the next is read. A batch is handed off on the reading thread
 * (its rows not sent recorded, its import request made), sent on the wire tap's thread (routes/export-run.camel.yaml,
 * send-batch), and recorded as accepted; a batch Brevo refuses with a 400 is halved (bisection) and a row refused for
 * an SMS number another contact has is sent again without it (routes/errors.camel.yaml, onException refusedInPart).
 */
public final class BatchImporter {

    private static final Logger LOG = LoggerFactory.getLogger(BatchImporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunLedger ledger;
    private final Outage outage;
    private final SyncState sync;
    private final ImportTracker tracker;
    private final PassReader reader;

    public BatchImporter(RunLedger ledger, SyncState sync, ImportTracker tracker, PassReader reader, Outage outage) {
        this.outage = outage;
        this.ledger = ledger;
        this.sync = sync;
        this.tracker = tracker;
        this.reader = reader;
    }

    /**
     * A batch is complete (on the reading thread): once the batch in flight is done, its rows that are not sent and the
     * addresses to unlink are recorded, profiles that left without being in the list are forgotten, and the rest is
     * made into its import request (exchange property importQueue). False when nothing is to be sent: the run was
     * canceled (then nothing of it is recorded either), or no row of the batch is sent.
     */
    public boolean handOff(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws Exception {
        run.awaitSend();
        if (!reader.notCanceled(run)) {
            return false;
        }
        ImportBatch batch = exchange.getIn().getBody(ImportBatch.class);
        // a second pass sends again rows whose unlinks the first one recorded
        ledger.rows().recordRows(run.getId(), run.getExport().id(), Stream.concat(batch.getNotSent().stream(), batch.getRows().stream()).toList(), run.pass() == 1);
        sync.forget(run.getExport().id(), batch.getNotSent().stream().filter(r -> r.action().equals(ExportRow.FORGET)).map(ExportRow::profileId).toList());
        run.counted(batch);
        if (!batch.hasRows()) {
            return false;
        }
        // the batch, then whatever its refusal queues (halves, a row without its SMS number), until it is empty
        Deque<ImportBatch> imports = new ConcurrentLinkedDeque<>();
        imports.add(ready(batch, run));
        exchange.setProperty("importQueue", imports);
        run.sending();
        return true;
    }

    private static ImportBatch ready(ImportBatch batch, ExportRun run) {
        return batch.ready(run.nextBatchNo(), run.getExport().listId(), run.getExport().quality().sendBlanks());
    }

    /**
     * The batch in flight is done (exchange property sendFailure: why its sending failed, if it did): the next may be
     * handed off. True when a look at the imports is due (ExportRun.startLook), to be made on another thread.
     */
    public boolean sent(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("sendFailure") Exception failure) {
        run.sent(failure);
        return run.startLook();
    }

    /** After a pass has read its rows: its last batch is sent, and a look at the processes is over, before the run follows the imports. */
    public void batchesSent(@ExchangeProperty("run") ExportRun run) throws Exception {
        run.phase("waiting for Brevo");
        run.awaitSend();
        run.awaitLook();
    }

    /**
     * Brevo accepted an import (202 with a processId): its batch is recorded and its process followed. The database
     * gone meanwhile is waited out here (db.outage-wait): a failure would make the retries send the import again.
     */
    public void accepted(Exchange exchange, @ExchangeProperty("run") ExportRun run, @ExchangeProperty("batch") ImportBatch batch) throws Exception {
        long processId = BrevoAnswers.importProcessId(exchange.getIn().getBody(Map.class));
        outage.waitOut("recording import " + processId, () -> {
            ledger.rows().batch(run.getId(), batch.getNumber(), batch.getRows(), batch.getRequest().length, processId, "queued", null);
            return null;
        });
        run.following(processId, batch.getNumber());
        tracker.accepted(processId);
    }

    /**
     * The brevo-retry configuration's onWhen for bisection: Brevo refused a run's import with a 400 that is about some
     * of its rows only: a batch of several rows (one bad row is enough), or one row whose SMS number another contact
     * has, with identifierConflict dropSms.
     */
    public boolean refusedInPart(Exchange exchange) {
        ExportRun run = exchange.getProperty("run", ExportRun.class);
        ImportBatch batch = exchange.getProperty("batch", ImportBatch.class);
        Throwable cause = BrevoFailures.of(exchange);
        if (run == null || batch == null || exchange.getProperty("importQueue") == null || exchange.getProperty("unlinkChunk") != null
                || BrevoFailures.status(cause) != 400) {
            return false;
        }
        return batch.getRows().size() > 1 || smsRefused(batch, cause) && run.getExport().quality().identifierConflict().equals(DataQuality.DROP_SMS);
    }

    /**
     * Sends instead of a batch Brevo refused in part ({@link #refusedInPart}) its halves, until the refused rows are
     * alone; a row refused for its SMS number is sent again at once without it, and the number is remembered, so later
     * runs leave it out until it changes.
     */
    public void bisect(Exchange exchange, @ExchangeProperty("run") ExportRun run, @ExchangeProperty("batch") ImportBatch batch,
            @ExchangeProperty("importQueue") Deque<ImportBatch> imports) throws SQLException {
        if (batch.getRows().size() > 1) {
            LOG.warn("Export {} run {}: Brevo refused batch {} ({} rows) with a 400; sending its halves to find the rows it refuses",
                    run.getExport().id(), run.getId(), batch.getNumber(), batch.getRows().size());
            batch.halves().forEach(half -> imports.add(ready(half, run)));
            return;
        }
        ExportRow row = batch.getRows().get(0);
        ExportDefinition export = run.getExport();
        sync.smsConflict(export.id(), row.profileId(), row.phone());
        String note = "SMS " + row.phone() + " belongs to another Brevo contact (Brevo answered " + BrevoFailures.code(BrevoFailures.of(exchange))
                + "); sent again without it, and left out until the number changes";
        ExportRow again = row.resending(withoutSms(row.json()), note);
        ledger.rows().recordRows(run.getId(), export.id(), List.of(again), true);
        imports.add(ready(ImportBatch.of(again, export), run));
        LOG.warn("Export {} run {}: profile {}: {}", export.id(), run.getId(), row.profileId(), note);
    }

    /** One row refused alone because its SMS number belongs to another contact (Brevo's metadata.duplicate_identifiers). */
    private static boolean smsRefused(ImportBatch batch, Throwable cause) {
        return batch.getRows().size() == 1 && batch.getRows().get(0).phone() != null && BrevoFailures.duplicateIdentifiers(cause).contains("SMS");
    }

    /** The dead-letter route: the batch's rows are recorded as failed with the reason; a failed look-up is only logged. */
    public void deadLetter(Exchange exchange) throws SQLException {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = BrevoFailures.describe(cause);
        String code = BrevoFailures.code(cause);
        ExportRun run = exchange.getProperty("run", ExportRun.class);
        ImportBatch batch = exchange.getProperty("batch", ImportBatch.class);
        List<?> unlinks = exchange.getProperty("unlinkChunk", List.class);
        if (run == null) {
            LOG.error("Dead letter outside a run: {}", reason);
        } else if (unlinks != null) {
            LOG.error("Export {} run {}: unlinking {} addresses failed, the next run tries again: {}", run.getExport().id(), run.getId(), unlinks.size(), reason);
            ledger.rows().removalOutcome(run.getId(), rowIds(unlinks), "failed", code, reason);
        } else if (batch != null) {
            int batchNo = batch.getNumber();
            if (smsRefused(batch, cause)) {
                // identifierConflict skip: the row is rejected, and its number remembered so later runs leave it out
                sync.smsConflict(run.getExport().id(), batch.getRows().get(0).profileId(), batch.getRows().get(0).phone());
            }
            LOG.error("Export {} run {}: batch {} ({} rows) dead-lettered: {}", run.getExport().id(), run.getId(), batchNo, batch.getRows().size(), reason);
            ledger.rows().batch(run.getId(), batchNo, batch.getRows(), 0, null, "dead", reason);
            String refusal = BrevoFailures.requestRefusal(cause, run.getExport().connection(), run.getExport().listId());
            if (refusal != null) {
                run.refuse(refusal);
                tracker.batchRefused(run.getId(), run.getExport().id(), batchNo, code, refusal);
                return;
            }
            // a row Brevo refuses on its own is rejected by Brevo; still counted as a failure, so it goes dead, not bisected each run
            int status = BrevoFailures.status(cause);
            boolean refused = batch.getRows().size() == 1 && status == 400;
            tracker.batchFailed(run.getId(), run.getExport().id(), batchNo, refused ? "rejected" : "failed", code, reason,
                    status >= 400 && status < 500 && status != 429);
        } else {
            LOG.warn("Export {} run {}: Brevo call {} failed: {}", run.getExport().id(), run.getId(), exchange.getProperty("brevoPath"), reason);
        }
    }

    private static byte[] withoutSms(byte[] item) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(item);
            ((com.fasterxml.jackson.databind.node.ObjectNode) json.path("attributes")).remove("SMS");
            return JSON.writeValueAsBytes(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Long> rowIds(List<?> chunk) {
        return chunk.stream().map(r -> ((Number) ((Map<?, ?>) r).get("id")).longValue()).toList();
    }
}
