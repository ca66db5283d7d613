package io.brevosync.run;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.api.ApiException;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.export.DataQuality;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import io.brevosync.export.ExportRow;
import io.brevosync.export.ImportBatch;
import io.brevosync.export.ImportBatcher;
import io.brevosync.export.PhoneOwners;
import io.brevosync.sync.SyncQuery;
import io.brevosync.sync.SyncState;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.sql.SqlConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a run's batches to Brevo, one in flight while the next is read: records the rows a batch does not send, turns
 * the rest into the import request, queues the halves of a batch Brevo refused (bisection) and a row sent again
 * without a refused SMS number, and records what was accepted or dead-lettered.
 */
public final class BatchImporter {

    private static final Logger LOG = LoggerFactory.getLogger(BatchImporter.class);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunLedger ledger;
    private final SyncState sync;
    private final ImportTracker tracker;
    private volatile ProducerTemplate template;

    public BatchImporter(RunLedger ledger, SyncState sync, ImportTracker tracker) {
        this.ledger = ledger;
        this.sync = sync;
        this.tracker = tracker;
    }

    /**
     * Sends a complete batch (direct:send-batch) on another thread while the run reads and maps the next rows, so
     * PostgreSQL and Brevo work at the same time; first waits for the batch before, so one batch at most is in flight
     * and reading runs at most one batch ahead.
     */
    public void sendBatch(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws Exception {
        run.awaitSend();
        run.sending(inBackground(exchange, "direct:send-batch"));
    }

    /**
     * Between batches of a long run (ExportRun.isWorthPolling): one look at the processes (direct:poll-imports) on
     * another thread, so the sync state of what Brevo applied is written while the run reads and sends, not after.
     */
    public void lookAtImports(Exchange exchange, @ExchangeProperty("run") ExportRun run) {
        if (run.isWorthPolling()) {
            run.looking(inBackground(exchange, "direct:poll-imports"));
        }
    }

    /** A new exchange with the run's properties and the body, on another thread: a copy would carry the split's state. */
    private CompletableFuture<Exchange> inBackground(Exchange exchange, String uri) {
        Map<String, Object> properties = Map.copyOf(exchange.getProperties());
        Object body = exchange.getIn().getBody();
        return template(exchange.getContext()).asyncSend(uri, copy -> {
            properties.forEach(copy::setProperty);
            copy.getIn().setBody(body);
        });
    }

    /** After a pass has read its rows: its last batch is sent, and a look at the processes is over, before the run follows the imports. */
    public void batchesSent(@ExchangeProperty("run") ExportRun run) throws Exception {
        run.awaitSend();
        run.awaitLook();
    }

    private ProducerTemplate template(CamelContext context) {
        ProducerTemplate current = template;
        if (current == null) {
            synchronized (this) {
                if (template == null) {
                    template = context.createProducerTemplate();
                }
                current = template;
            }
        }
        return current;
    }

    /**
     * A batch is complete: record its rows that are not sent and the addresses to unlink, forget profiles that left
     * without being in the list, and turn the rest into the import request body.
     */
    public void batchReady(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        ImportBatch batch = exchange.getIn().getBody(ImportBatch.class);
        // a second pass sends again rows whose unlinks the first one recorded
        ledger.recordRows(run.getId(), Stream.concat(batch.getNotSent().stream(), batch.getRows().stream()).toList(), run.pass() == 1);
        sync.forget(run.getExport().id(), batch.getNotSent().stream().filter(r -> r.action().equals(ExportRow.FORGET)).map(ExportRow::profileId).toList());
        run.counted(batch);
        Deque<ImportBatch> imports = new ConcurrentLinkedDeque<>();
        if (batch.hasRows()) {
            imports.add(batch);
        }
        exchange.setProperty("importQueue", imports);
    }

    /** The next import of a batch (the batch, then the halves of any Brevo refused), as a one-item list for a split. */
    public List<ImportBatch> nextImport(@ExchangeProperty("importQueue") Deque<ImportBatch> queue) {
        ImportBatch next = queue.poll();
        return next == null ? List.of() : List.of(next);
    }

    /** One import: the request body and the properties the Brevo routes and the dead letter use. */
    public void importReady(Exchange exchange, @ExchangeProperty("run") ExportRun run) {
        ImportBatch batch = exchange.getIn().getBody(ImportBatch.class);
        exchange.setProperty("batch", batch);
        exchange.setProperty("batchNo", run.nextBatchNo());
        exchange.setProperty("brevoMethod", "POST");
        exchange.setProperty("brevoPath", "/contacts/import");
        byte[] request = batch.importRequest(run.getExport().listId(), run.getExport().quality().sendBlanks());
        exchange.setProperty("batchBytes", request.length);
        exchange.getIn().setBody(request);
    }

    /** Brevo accepted the batch (202 with a processId): follow that process. */
    public void batchAccepted(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        Map<?, ?> answer = exchange.getIn().getBody(Map.class);
        long processId = ((Number) answer.get("processId")).longValue();
        ImportBatch batch = exchange.getProperty("batch", ImportBatch.class);
        int batchNo = exchange.getProperty("batchNo", Integer.class);
        ledger.batch(run.getId(), batchNo, batch.getRows(), exchange.getProperty("batchBytes", Integer.class), processId, "queued", null);
        run.following(processId, batchNo);
    }

    /** The dead-letter route: the batch's rows are recorded as failed with the reason; a failed look-up is only logged. */
    public void deadLetter(Exchange exchange) throws SQLException {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = BrevoFailures.describe(cause);
        String code = BrevoFailures.code(cause);
        ExportRun run = exchange.getProperty("run", ExportRun.class);
        ImportBatch batch = exchange.getProperty("batch", ImportBatch.class);
        List<?> unlinks = exchange.getProperty("unlinkChunk", List.class);
        Deque<ImportBatch> imports = exchange.getProperty("importQueue", Deque.class);
        boolean runImport = run != null && unlinks == null && batch != null && imports != null;
        if (runImport && smsRefused(run, batch, cause, imports)) {
            return;
        }
        if (runImport && batch.getRows().size() > 1 && BrevoFailures.status(cause) == 400) {
            // one bad row makes Brevo refuse the whole import: the halves are sent instead, until the refused rows are alone
            LOG.warn("Export {} run {}: Brevo refused batch {} ({} rows) with a 400; sending its halves to find the rows it refuses",
                    run.getExport().id(), run.getId(), exchange.getProperty("batchNo"), batch.getRows().size());
            imports.addAll(batch.halves());
            return;
        }
        if (run == null) {
            LOG.error("Dead letter outside a run: {}", reason);
        } else if (unlinks != null) {
            LOG.error("Export {} run {}: unlinking {} addresses failed, the next run tries again: {}", run.getExport().id(), run.getId(), unlinks.size(), reason);
            ledger.removalOutcome(run.getId(), rowIds(unlinks), "failed", code, reason);
        } else if (batch != null) {
            int batchNo = exchange.getProperty("batchNo", Integer.class);
            LOG.error("Export {} run {}: batch {} ({} rows) dead-lettered: {}", run.getExport().id(), run.getId(), batchNo, batch.getRows().size(), reason);
            ledger.batch(run.getId(), batchNo, batch.getRows(), 0, null, "dead", reason);
            // a row Brevo refuses on its own is rejected by Brevo; still counted as a failure, so it goes dead, not bisected each run
            boolean refused = batch.getRows().size() == 1 && BrevoFailures.status(cause) == 400;
            int status = BrevoFailures.status(cause);
            tracker.batchFailed(run.getId(), run.getExport().id(), batchNo, refused ? "rejected" : "failed", code, reason,
                    status >= 400 && status < 500 && status != 429);
        } else {
            LOG.warn("Export {} run {}: Brevo call {} failed: {}", run.getExport().id(), run.getId(), exchange.getProperty("brevoPath"), reason);
        }
    }

    /**
     * Brevo refused a row alone because its SMS number belongs to another contact (metadata.duplicate_identifiers):
     * the number is remembered, so later runs leave it out; with identifierConflict dropSms the row is sent again at
     * once without it (true). With skip, it is rejected like any refused row (false).
     */
    private boolean smsRefused(ExportRun run, ImportBatch batch, Exception cause, Deque<ImportBatch> imports) throws SQLException {
        if (batch.getRows().size() != 1 || batch.getRows().get(0).phone() == null || !BrevoFailures.duplicateIdentifiers(cause).contains("SMS")) {
            return false;
        }
        ExportRow row = batch.getRows().get(0);
        ExportDefinition export = run.getExport();
        sync.smsConflict(export.id(), row.profileId(), row.phone());
        if (export.quality().identifierConflict().equals(DataQuality.SKIP)) {
            return false;
        }
        String note = "SMS " + row.phone() + " belongs to another Brevo contact (Brevo answered " + BrevoFailures.code(cause)
                + "); sent again without it, and left out until the number changes";
        ExportRow again = row.resending(withoutSms(row.json()), note);
        ledger.recordRows(run.getId(), List.of(again), true);
        imports.add(ImportBatch.of(again, export));
        LOG.warn("Export {} run {}: profile {}: {}", export.id(), run.getId(), row.profileId(), note);
        return true;
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
