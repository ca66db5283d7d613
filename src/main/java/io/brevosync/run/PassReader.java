package io.brevosync.run;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import io.brevosync.export.EmailOwners;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.PhoneOwners;
import io.brevosync.sync.ChangeFeed;
import io.brevosync.sync.SyncQuery;
import io.brevosync.sync.Staging;
import io.brevosync.sync.SyncState;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.sql.SqlConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what a run sends, pass by pass: the first pass streams the export's query wrapped by {@link SyncQuery} (only
 * new, changed and departed profiles leave PostgreSQL), a second one the rows whose import process failed; both stop
 * early once the run is canceled, through any server.
 */
public final class PassReader {

    private static final Logger LOG = LoggerFactory.getLogger(PassReader.class);

    private final RunLedger ledger;
    private final SyncState sync;
    private final ChangeFeed feed;
    private final SyncQuery queries;
    private final Staging staging;

    public PassReader(RunLedger ledger, SyncState sync, ChangeFeed feed, SyncQuery queries, Staging staging) {
        this.ledger = ledger;
        this.sync = sync;
        this.feed = feed;
        this.queries = queries;
        this.staging = staging;
    }

    /** Rows of the query per step of the split: one exchange per 500 rows, not per row (Camel copies an exchange's properties for each). */
    static final int ROWS_PER_STEP = 500;

    /**
     * Leaves in the message the export's query wrapped by {@link SyncQuery}, which returns only the profiles that are
     * new, changed or gone since the last delivery.
     */
    public void query(Exchange exchange, @ExchangeProperty("run") ExportRun run) throws SQLException {
        long runId = run.getId();
        boolean full = run.isFullResync();
        String[] only = run.profiles();
        long[] state = {0, 0};
        // an export on another database is read from the server's copy of its rows, made by the first pass
        ExportDefinition export = run.nextPass() == 1 ? staging.stage(run.getExport(), "run") : staging.staged(run.getExport(), "run");
        if (run.pass() == 1) {
            state = sync.counts(export.id());
            run.synced(state[0], state[1]);
            ledger.membersBefore(runId, state[1]);
        } else {
            only = ledger.rows().retryFailedImports(runId).toArray(new String[0]);
            LOG.info("Export {} run {}: sending again the {} rows whose import process failed", export.id(), runId, only.length);
        }
        exchange.getIn().removeHeaders("*");
        SyncState.Columns columns = sync.columns(export);
        // nothing delivered yet: no comparison, and the run finds the owners of shared addresses as the rows come
        boolean firstRun = run.pass() == 1 && run.startedWithoutSyncState() && only.length == 0 && SyncQuery.streamsFirstRun(columns.profileIdType());
        // a run over every profile reads the change feed: only what changed, when the feed knows (else it records its position)
        ChangeFeed.Scope scope = run.pass() == 1 && only.length == 0 ? feed.open(export, full ? 0 : state[0], columns.profileIdType()) : null;
        if (scope != null) {
            exchange.setProperty("feedScope", scope);
            ledger.compared(runId, scope.everything() ? null : (long) scope.profileIds().length, scope.note());
        }
        SyncQuery.Statement statement = firstRun ? SyncQuery.firstRun(export, columns.byValue())
                : scope != null && !scope.everything() ? queries.changed(export, scope.profileIds(), columns.byValue())
                : queries.of(export, full, only, columns);
        exchange.setProperty("emailOwners", firstRun ? new EmailOwners() : null);
        // the query comes from the message body, where camel-sql takes positional parameters
        exchange.getIn().setBody(statement.sql());
        exchange.getIn().setHeader(SqlConstants.SQL_PARAMETERS, statement.parameters());
        exchange.setProperty("phoneOwners", new PhoneOwners());
        if (run.pass() == 1) {
            LOG.info("Export {} run {} started{}: segments {} -> Brevo list {} via connection '{}'; {} profiles delivered before; {}", export.id(),
                    runId, full ? " (full resync)" : "", export.segments(), export.listId(), export.connection(), state[1],
                    scope == null ? "every profile compared" : scope.note());
        }
    }

    /**
     * After the first pass of a run that read only what the change feed named (its batches sent): the last run's
     * rejections of profiles it did not read again stand for it, counted as read by this run.
     */
    public void standingRejections(@ExchangeProperty("feedScope") ChangeFeed.Scope scope, @ExchangeProperty("run") ExportRun run) throws SQLException {
        if (run.pass() == 1 && !run.isCanceled() && scope != null && !scope.everything()) {
            run.standing(ledger.rows().standRejections(run.getId(), scope.lastRun(), scope.profileIds()));
        }
    }

    /** Before each pass: the first; then one more if an import process of the run failed (its rows are sent again). */
    public boolean anotherPass(@ExchangeProperty("run") ExportRun run) {
        return run.pass() == 0 || (run.pass() == 1 && run.hasFailedImports() && !run.isCanceled());
    }

    /** The rows of the export's query as the split reads them, 500 at a time, ending early once the run is canceled. */
    public Iterator<List<Object>> untilCanceled(@Body Iterator<?> rows, @ExchangeProperty("run") ExportRun run) {
        return new Iterator<List<Object>>() {
            @Override
            public boolean hasNext() {
                return !run.isCanceled() && rows.hasNext();
            }

            @Override
            public List<Object> next() {
                List<Object> chunk = new ArrayList<>(ROWS_PER_STEP);
                while (chunk.size() < ROWS_PER_STEP && rows.hasNext()) {
                    chunk.add(rows.next());
                }
                return chunk;
            }
        };
    }

    /** Before each batch: false once the cancellation of the run was asked for, through any server. */
    public boolean notCanceled(@ExchangeProperty("run") ExportRun run) throws SQLException {
        if (!run.isCanceled() && ledger.cancelRequested(run.getId())) {
            run.cancel();
            LOG.warn("Export {} run {} canceled after {} batches; the next run sends what this one did not", run.getExport().id(), run.getId(),
                    run.batchesSent());
        }
        return !run.isCanceled();
    }
}
