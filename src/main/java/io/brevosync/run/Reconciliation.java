package io.brevosync.run;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.brevosync.Refusal;
import io.brevosync.brevo.BrevoAnswers;
import io.brevosync.brevo.BrevoFailures;
import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export's list as Brevo has it, compared with what the export delivered (routes/reconcile.camel.yaml): the
 * members are read 500 per call into a snapshot (table list_snapshot), then counted against the sync state. Missing:
 * delivered but not in the list (removed by hand, lost): sent again. Owed: in the list although the export owes
 * their unlink. Foreign: in the list but never put there by this export: reported, and unlinked only with
 * {@code reconcile: strict}. A dry run answers the counts; a reconciling run repairs, its unlinks behind the brake.
 */
public final class Reconciliation {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciliation.class);
    /** Brevo's largest page of list contacts. */
    static final int PAGE = 500;
    private static final int SAMPLE = 10;
    /** The sets compared, for a snapshot and an export (the two first parameters of every statement using them). */
    private static final String SETS = """
            with p as (select ?::bigint as snapshot, ?::text as export_id),
                 s as (select distinct l.email from list_snapshot l, p where l.snapshot = p.snapshot),
                 d as (select lower(x.email) as email from sync_state x, p where x.export_id = p.export_id and x.email is not null and x.hash is not null),
                 o as (select lower(u.email) as email from pending_unlink u, p where u.export_id = p.export_id),
                 k as (select lower(x.email) as email from sync_state x, p where x.export_id = p.export_id and x.email is not null),
                 missing as (select email from d where not exists (select 1 from s where s.email = d.email)),
                 owed as (select email from s where exists (select 1 from o where o.email = s.email)),
                 foreign_ as (select email from s where not exists (select 1 from o where o.email = s.email)
                                                  and not exists (select 1 from k where k.email = s.email))
            """;

    /** One reading of a list: its snapshot id and the paging through it. */
    public static final class ListRead {
        final long snapshot;
        final ExportDefinition export;
        int offset;
        long total = -1;

        ListRead(long snapshot, ExportDefinition export) {
            this.snapshot = snapshot;
            this.export = export;
        }

        public boolean isDone() {
            return total >= 0 && offset >= total;
        }
    }

    private final Jdbc db;
    private final ExportRegistry exports;

    public Reconciliation(Jdbc db, ExportRegistry exports) {
        this.db = db;
        this.exports = exports;
    }

    /** A new reading of the export's list (the export of the run, or the one named by the API call). */
    public ListRead start(Exchange exchange, @ExchangeProperty("export") ExportDefinition export, @Header("exportId") String exportId) throws SQLException {
        ExportDefinition of = export != null ? export : exports.get(exportId);
        exchange.setProperty("connection", of.connection());
        exchange.setProperty("exportId", of.id());
        LOG.info("Export {}: reading the members of Brevo list {} to reconcile", of.id(), of.listId());
        return new ListRead(db.number("select nextval('list_snapshot_id')"), of);
    }

    public String nextPage(@ExchangeProperty("listRead") ListRead read) {
        return "/contacts/lists/" + read.export.listId() + "/contacts?limit=" + PAGE + "&offset=" + read.offset + "&sort=asc";
    }

    /** A page of members: their addresses (lower case) join the snapshot. */
    public void page(Exchange exchange, @ExchangeProperty("listRead") ListRead read) throws SQLException {
        BrevoAnswers.ContactPage page = BrevoAnswers.contacts(exchange.getIn().getBody(Map.class));
        List<String> emails = page.contacts().stream().map(BrevoAnswers.Contact::email).filter(e -> !e.equals("null")).toList();
        db.update("insert into list_snapshot (snapshot, email) select ?, unnest(?::text[])", read.snapshot, emails.toArray(new String[0]));
        read.offset += PAGE;
        read.total = page.contacts().size() < PAGE ? read.offset : page.count() >= 0 ? page.count() : read.offset + 1;
    }

    /** The drift between the list and the sync state: how many of each kind. */
    private Map<String, Object> counts(ListRead read) throws SQLException {
        Map<String, Object> counts = db.queryOne(SETS + """
                select (select count(*) from s) as list_members, (select count(*) from d) as delivered, (select count(*) from missing) as missing,
                       (select count(*) from owed) as owed, (select count(*) from foreign_) as foreign_members""", read.snapshot, read.export.id())
                .orElseThrow();
        Map<String, Object> drift = new LinkedHashMap<>();
        drift.put("exportId", read.export.id());
        drift.put("listId", read.export.listId());
        drift.put("strict", read.export.reconcileStrict());
        drift.put("listMembers", counts.get("listMembers"));
        drift.put("delivered", counts.get("delivered"));
        drift.put("missing", counts.get("missing"));
        drift.put("owed", counts.get("owed"));
        drift.put("foreign", counts.get("foreignMembers"));
        return drift;
    }

    /**
     * A dry run's answer: the drift, and what a reconciling run would do about it; the snapshot goes.
     */
    public Map<String, Object> report(@ExchangeProperty("listRead") ListRead read) throws SQLException {
        Map<String, Object> drift = counts(read);
        Map<String, Object> samples = new LinkedHashMap<>();
        for (String kind : List.of("missing", "owed", "foreign_")) {
            samples.put(kind.replace("_", ""), db.query(SETS + "select email from " + kind + " order by email limit " + SAMPLE, read.snapshot,
                    read.export.id()).stream().map(r -> r.get("email")).toList());
        }
        drift.put("samples", samples);
        drift.put("wouldSendAgain", drift.get("missing"));
        drift.put("wouldUnlink", ((Number) drift.get("owed")).longValue() + (read.export.reconcileStrict() ? ((Number) drift.get("foreign")).longValue() : 0));
        drift.put("note", "a dry run: nothing was changed. POST /api/exports/" + read.export.id() + "/reconcile repairs it in a run"
                + (read.export.reconcileStrict() ? "" : "; members this export never added are left alone (reconcile: strict unlinks them)"));
        forget(read);
        return drift;
    }

    /**
     * A reconciling run: missing members are sent again by its pass, owed unlinks (and, strict, foreign members) are
     * unlinked by its removals, behind the brake; the drift is recorded on the run. The snapshot goes.
     */
    public void repair(@ExchangeProperty("run") ExportRun run, @ExchangeProperty("listRead") ListRead read) throws SQLException {
        Map<String, Object> drift = counts(read);
        String exportId = read.export.id();
        db.update(SETS + """
                update sync_state x set hash = null, updated_at = now() from missing m, p
                where x.export_id = p.export_id and x.email is not null and x.hash is not null and lower(x.email) = m.email""", read.snapshot, exportId);
        if (read.export.reconcileStrict()) {
            db.update(SETS + """
                    insert into pending_unlink (export_id, email, since_run, last_error)
                    select p.export_id, f.email, ?, 'not added by this export (reconcile: strict)' from foreign_ f, p on conflict do nothing""",
                    read.snapshot, exportId, run.getId());
        }
        db.update("update export_run set list_members = ?, drift_missing = ?, drift_owed = ?, drift_foreign = ? where id = ?", drift.get("listMembers"),
                drift.get("missing"), drift.get("owed"), drift.get("foreign"), run.getId());
        LOG.info("Export {} run {}: list {} has {} members: {} missing (sent again), {} owed an unlink, {} not added by this export ({})", exportId,
                run.getId(), read.export.listId(), drift.get("listMembers"), drift.get("missing"), drift.get("owed"), drift.get("foreign"),
                read.export.reconcileStrict() ? "unlinked: reconcile strict" : "left alone");
        forget(read);
    }

    /** Reading the list failed: why, for the dry run's answer (502) or the reconciling run's log. */
    public void unreadable(Exchange exchange, @ExchangeProperty("listRead") ListRead read) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String refusal = BrevoFailures.requestRefusal(cause, read.export.connection(), read.export.listId());
        throw new Refusal.BrevoUnavailable("the members of Brevo list " + read.export.listId() + " could not be read: "
                + (refusal != null ? refusal : BrevoFailures.describe(cause)));
    }

    /** The snapshot is not needed any more (also after a failed reading). */
    public void forget(@ExchangeProperty("listRead") ListRead read) throws SQLException {
        if (read != null) {
            db.update("delete from list_snapshot where snapshot = ?", read.snapshot);
        }
    }
}
