package io.brevosync.run;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.brevosync.brevo.BrevoAnswers;
import io.brevosync.export.ExportDefinition;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The removal steps of a run (routes/removals.camel.yaml and brevo-unlink): the guard and the brake decide whether
 * the run's pending unlinks go ahead, then they are read from the ledger 150 at a time and their outcomes recorded.
 */
public final class RunRemovals {

    private static final Logger LOG = LoggerFactory.getLogger(RunRemovals.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Brevo's limit for a list add or remove call. */
    static final int UNLINKS_PER_CALL = 150;

    private final RunLedger ledger;

    public RunRemovals(RunLedger ledger) {
        this.ledger = ledger;
    }

    /**
     * After the imports: addresses still in the list through another profile are kept; then the exit policy and the
     * brake decide. True when the unlinks go ahead now; false when there are none, the policy keeps them, or the run
     * stops for confirmation (a share of the list above the export's maximum, or an empty source with a non-empty list).
     */
    public boolean removalsAllowed(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("confirmed") Boolean confirmed) throws SQLException {
        ExportDefinition export = run.getExport();
        if (run.isCanceled()) {
            return false;
        }
        run.phase("removing");
        int owed = ledger.rows().carryOverUnlinks(run.getId(), export.id());
        if (owed > 0) {
            LOG.info("Export {} run {}: {} unlinks owed by earlier runs are tried again", export.id(), run.getId(), owed);
        }
        ledger.rows().guardRemovals(run.getId(), export.id());
        long pending = ledger.rows().pendingRemovals(run.getId());
        if (pending == 0) {
            return false;
        }
        if (export.exitPolicy().equals(ExportDefinition.KEEP)) {
            ledger.rows().settleRemovals(run.getId(), "kept", "exit policy keep: left in the list");
            return false;
        }
        String brake = brake(export, pending, run.rowsRead(), run.membersBefore());
        if (brake != null && !Boolean.TRUE.equals(confirmed)) {
            String message = "stopped before removing: " + brake + ". Confirm with POST /api/exports/" + export.id() + "/runs/" + run.getId()
                    + "/confirm or discard with POST …/discard";
            LOG.warn("Export {} run {} {}", export.id(), run.getId(), message);
            ledger.needsConfirmation(run.getId(), message);
            return false;
        }
        LOG.info("Export {} run {}: unlinking {} addresses from list {}{}", export.id(), run.getId(), pending, export.listId(),
                export.exitPolicy().equals(ExportDefinition.MOVE) ? " into list " + export.exitListId() : "");
        return true;
    }

    /**
     * Why the brake stops a run before it unlinks this many addresses, or null: the source returned no rows while the
     * list holds some of the export's contacts, or the removals are a larger share of them than maxRemovalPercent. The
     * dry run asks the same question (Preview).
     */
    static String brake(ExportDefinition export, long removals, long rowsRead, long members) {
        if (rowsRead == 0 && members > 0) {
            return "the source returned no rows while the list holds " + members + " of this export's contacts";
        }
        if (removals * 100.0 > export.maxRemovalPercent() * members) {
            return String.format("%d removals are %.1f %% of the %d contacts this export put in the list, above maxRemovalPercent %s", removals,
                    members == 0 ? 100.0 : removals * 100.0 / members, members, export.maxRemovalPercent());
        }
        return null;
    }

    /** The pending unlinks in chunks of Brevo's 150 per call, read from the ledger as the split asks for them. */
    public Iterator<List<Map<String, Object>>> unlinkChunks(@ExchangeProperty("run") ExportRun run) {
        return new Iterator<>() {
            private long after = 0;
            private List<Map<String, Object>> next = fetch();

            private List<Map<String, Object>> fetch() {
                try {
                    List<Map<String, Object>> chunk = ledger.rows().pendingRemovals(run.getId(), after, UNLINKS_PER_CALL);
                    if (!chunk.isEmpty()) {
                        after = ((Number) chunk.get(chunk.size() - 1).get("id")).longValue();
                    }
                    return chunk;
                } catch (SQLException e) {
                    throw new IllegalStateException("could not read the pending removals of run " + run.getId(), e);
                }
            }

            @Override
            public boolean hasNext() {
                return !next.isEmpty();
            }

            @Override
            public List<Map<String, Object>> next() {
                if (next.isEmpty()) {
                    throw new NoSuchElementException();
                }
                List<Map<String, Object>> chunk = next;
                next = fetch();
                return chunk;
            }
        };
    }

    /** The body of a list add or remove call for the chunk in hand: {"emails": [...]}. */
    public byte[] unlinkRequest(@ExchangeProperty("unlinkChunk") List<Map<String, Object>> chunk) throws JsonProcessingException {
        return JSON.writeValueAsBytes(Map.of("emails", chunk.stream().map(r -> r.get("email")).toList()));
    }

    /** Brevo unlinked the chunk: an address in neither success nor failure was not in the list either; all are out of it now. */
    public void unlinked(Exchange exchange, @ExchangeProperty("run") ExportRun run, @ExchangeProperty("unlinkChunk") List<Map<String, Object>> chunk)
            throws SQLException {
        List<?> success = BrevoAnswers.listChanged(exchange.getIn().getBody(Map.class));
        String outcome = run.getExport().exitPolicy().equals(ExportDefinition.MOVE) ? "moved" : "removed";
        List<Long> done = new ArrayList<>();
        List<Long> absent = new ArrayList<>();
        for (Map<String, Object> row : chunk) {
            (success.contains(row.get("email")) ? done : absent).add(((Number) row.get("id")).longValue());
        }
        ledger.rows().removalOutcome(run.getId(), done, outcome, null, null);
        ledger.rows().removalOutcome(run.getId(), absent, outcome, "not_in_list", "Brevo: the address was not in the list");
    }

    /** Body of Brevo's 400 "Contact already in list and/or does not exist": nothing changed, which is what was wanted. */
    public Map<String, Object> nothingToChange() {
        return BrevoAnswers.nothingChanged();
    }
}
