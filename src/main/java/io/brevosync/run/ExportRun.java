package io.brevosync.run;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRow;
import io.brevosync.export.ImportBatch;

/**
 * The live state of one run, shared by every exchange of the run (split rows and batches hold the same instance):
 * counters for progress, and the Brevo import processes still being followed. Profiles that did not change never
 * reach the JVM (see SyncQuery): they are counted as the sync state's rows that the query did not bring back.
 */
public final class ExportRun {

    private final long id;
    private final ExportDefinition export;
    private final Instant started = Instant.now();
    private final boolean fullResync;
    private volatile long stateRows;
    private final AtomicLong rowsRead = new AtomicLong();
    private final AtomicLong rowsKnown = new AtomicLong();
    private final AtomicLong rowsSent = new AtomicLong();
    private final AtomicLong rowsRejected = new AtomicLong();
    private final AtomicLong unlinks = new AtomicLong();
    private final AtomicInteger batches = new AtomicInteger();
    private final NavigableMap<Long, Integer> pendingProcesses = new ConcurrentSkipListMap<>();
    private final ImportWait importWait;
    private volatile long membersBefore;
    private volatile boolean canceled;
    private volatile int pass;
    private volatile boolean failedImports;
    /** batch number -> SMS numbers Brevo counted as another contact's in its import */
    private final Map<Integer, Integer> phoneConflicts = new ConcurrentHashMap<>();
    private volatile String[] profiles = new String[0];
    /** reading (and sending), waiting for Brevo, removing */
    private volatile String phase = "reading";
    private volatile String refusal;
    /** rows the last comparable run read: the total a percentage is of (0: unknown) */
    private volatile long expectedRows;
    private volatile CompletableFuture<Void> sending = CompletableFuture.completedFuture(null);

    ExportRun(long id, ExportDefinition export, boolean fullResync, ImportWait importWait) {
        this.id = id;
        this.export = export;
        this.fullResync = fullResync;
        this.importWait = importWait;
    }

    public long getId() {
        return id;
    }

    public ExportDefinition getExport() {
        return export;
    }

    /** Addresses this export had put in the list when the run started: what the removal brake compares with. */
    long membersBefore() {
        return membersBefore;
    }

    /** The export had delivered nothing when the run began (its first run, or after a reset): its rows are new. */
    boolean startedWithoutSyncState() {
        return stateRows == 0;
    }

    /** The export's sync state when the run started: its rows, and how many of them have an address in the list. */
    void synced(long rows, long members) {
        this.stateRows = rows;
        this.membersBefore = members;
    }

    public boolean isFullResync() {
        return fullResync;
    }

    /** Profiles the export's query returned: those read, and the unchanged ones that stayed in the database. */
    long rowsRead() {
        return rowsRead.get() + unchanged();
    }

    long unchanged() {
        return stateRows - rowsKnown.get();
    }

    /** 1 while the run reads its segments; 2 while it sends again the rows of imports that failed. */
    int pass() {
        return pass;
    }

    int nextPass() {
        failedImports = false;
        importWait.reset();
        return ++pass;
    }

    /** Brevo counted SMS numbers of the batch that belong to other contacts: its rows are checked after the pass. */
    void phoneConflictsIn(int batchNo, int numbers) {
        phoneConflicts.merge(batchNo, numbers, Integer::sum);
    }

    /** The batches to check for SMS conflicts with the numbers Brevo counted in each, once: the map is emptied. */
    Map<Integer, Integer> takePhoneConflicts() {
        Map<Integer, Integer> taken = new TreeMap<>();
        for (Integer batchNo : List.copyOf(phoneConflicts.keySet())) {
            taken.put(batchNo, phoneConflicts.remove(batchNo));
        }
        return taken;
    }

    /** A batch is handed to another thread to be sent while the run reads on: until {@link #sent}, it is in flight. */
    void sending() {
        sending = new CompletableFuture<>();
    }

    /** The batch in flight is done: its imports accepted or dead-lettered, or its sending failed (the run then fails). */
    void sent(Exception failure) {
        if (failure == null) {
            sending.complete(null);
        } else {
            sending.completeExceptionally(failure);
        }
    }

    /** Waits until the batch in flight is done; rethrows what failed in it (its own errors are handled in its routes). */
    void awaitSend() throws Exception {
        try {
            sending.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** A look at the processes may be made between two batches now (ImportWait): it is then under way until {@link #lookEnded}. */
    boolean startLook() {
        return importWait.startLookBetweenBatches(pendingProcesses.size());
    }

    void lookEnded() {
        importWait.lookEnded();
    }

    /** Waits until a look at the processes started between batches is over (it handles its own errors). */
    void awaitLook() {
        importWait.awaitLook();
    }

    /** A run of a few profiles only (the preview's send): their ids; empty for a whole run. */
    String[] profiles() {
        return profiles;
    }

    void onlyProfiles(String[] profileIds) {
        this.profiles = profileIds;
    }

    void importFailed() {
        failedImports = true;
    }

    boolean hasFailedImports() {
        return failedImports;
    }

    /** Canceled, or refused by Brevo as a whole: no more batches are sent and reading stops. */
    public boolean isCanceled() {
        return canceled;
    }

    void cancel() {
        canceled = true;
    }

    /** Brevo refused the run's requests as such (its key, its list, a permission): it stops, and fails with this reason. */
    void refuse(String reason) {
        refusal = reason;
        canceled = true;
    }

    String refusal() {
        return refusal;
    }

    int batchesSent() {
        return batches.get();
    }

    int nextBatchNo() {
        return batches.incrementAndGet();
    }

    void counted(ImportBatch batch) {
        rowsSent.addAndGet(batch.getRows().size());
        if (pass > 1) {
            return;
        }
        for (ExportRow row : batch.getRows()) {
            count(row);
        }
        for (ExportRow row : batch.getNotSent()) {
            count(row);
            if (row.isRejected()) {
                rowsRejected.incrementAndGet();
            }
        }
    }

    /** Rejected rows of the last run that stand without being read again (PassReader#standingRejections). */
    void standing(long rows) {
        rowsRead.addAndGet(rows);
        rowsRejected.addAndGet(rows);
    }

    private void count(ExportRow row) {
        if (row.inSegment()) {
            rowsRead.incrementAndGet();
        }
        if (row.known()) {
            rowsKnown.incrementAndGet();
        }
        if (row.unlinks()) {
            unlinks.incrementAndGet();
        }
    }

    void following(long processId, int batchNo) {
        pendingProcesses.put(processId, batchNo);
    }

    boolean done(long processId) {
        return pendingProcesses.remove(processId) != null;
    }

    NavigableMap<Long, Integer> pending() {
        return pendingProcesses;
    }

    /** True while an accepted import has not finished and the import timeout has not passed. */
    public boolean isAwaitingImports() {
        return importWait.awaiting(!pendingProcesses.isEmpty());
    }

    /** Milliseconds to wait before await-imports' next tick (ImportWait). */
    public long getNextTick() {
        return importWait.nextTick();
    }

    /** True when a look at the processes is due: the wait between looks doubles, capped, to spare the 100/hour budget. */
    public boolean isLookDue() {
        return importWait.lookDue();
    }

    void phase(String phase) {
        this.phase = phase;
    }

    void expect(long rows) {
        this.expectedRows = rows;
    }

    /** One log line of progress, for long runs. */
    public String getProgress() {
        RunProgress progress = progress();
        return String.format("%d changed rows read, %d sent in %d batches, %d rejected, %d to unlink, %.0f rows/s%s", rowsRead.get(), rowsSent.get(),
                batches.get(), rowsRejected.get(), unlinks.get(), rowsRead.get() / seconds(), progress == null ? "" : ", " + progress);
    }

    /** The live counters; rowsConfirmed (what Brevo applied so far) comes from the ledger. */
    Map<String, Object> live(long rowsConfirmed) {
        Map<String, Object> live = new LinkedHashMap<>(Map.of("phase", phase, "rowsRead", rowsRead.get(), "rowsSent", rowsSent.get(),
                "rowsConfirmed", rowsConfirmed, "rowsRejected", rowsRejected.get(), "toUnlink", unlinks.get(), "batches", batches.get(),
                "importsPending", pendingProcesses.size(), "seconds", Math.round(seconds())));
        RunProgress progress = progress();
        if (progress != null) {
            live.putAll(progress.fields());
        }
        return live;
    }

    private RunProgress progress() {
        return RunProgress.of(rowsRead.get(), expectedRows, phase.equals("reading"), seconds());
    }

    private double seconds() {
        return Math.max(0.001, Duration.between(started, Instant.now()).toMillis() / 1000.0);
    }
}
