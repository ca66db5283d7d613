package io.brevosync.run;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import io.brevosync.brevo.RateWindow;

/**
 * When a pass looks at its import processes (/v3/processes allows 100 calls an hour): between batches, the first look
 * at once, then spaced from brevo.process-poll-first doubling up to 8 times it (16 s by default, so what Brevo applied
 * is at most that far behind when the pass ends), about 25 looks for a run of ten minutes; after the pass, spaced from
 * brevo.process-poll-first doubling up to brevo.process-poll-max, for brevo.import-timeout at most. When the
 * account's window runs short of calls (Brevo's rate-limit headers), looks between batches stop and those after the
 * pass spread what is left over the rest of the window, so the run is never held for an hour by its own looks.
 */
final class ImportWait {

    /** The looks between batches are spaced this many times brevo.process-poll-first at most. */
    static final int BETWEEN_BATCHES_MAX_FACTOR = 8;
    /**
     * Imports pending after which a long run looks at the processes between two batches, so their sync state
     * (0.4–0.6 s of database work a batch of 46,000 rows on the 2-core machine) is written while it reads. (At 2 the
     * tail after the last batch was ~3 s shorter, but three nodes sharing one key ran out of the 100 calls an hour.)
     */
    static final int PENDING_BEFORE_POLL = 4;

    private final Duration timeout;
    private final Spacing betweenBatches;
    private final Spacing afterPass;
    private final RateWindow window;
    private volatile Instant deadline;
    /** The look made between batches, one at a time */
    private CompletableFuture<Void> looking = CompletableFuture.completedFuture(null);

    ImportWait(Duration first, Duration max, Duration timeout, RateWindow window) {
        this.timeout = timeout;
        this.window = window;
        Duration betweenMax = first.multipliedBy(BETWEEN_BATCHES_MAX_FACTOR);
        this.betweenBatches = new Spacing(first, betweenMax.compareTo(max) < 0 ? betweenMax : max);
        this.afterPass = new Spacing(first, max);
    }

    /** True while imports are pending and the timeout, counted from the first ask, has not passed. */
    boolean awaiting(boolean pending) {
        if (deadline == null) {
            deadline = Instant.now().plus(timeout);
        }
        return pending && Instant.now().isBefore(deadline);
    }

    /** Milliseconds to wait before the next tick after the pass: until the next look is due, one second at most (a cancel is seen within it). */
    long nextTick() {
        return Math.max(0, Math.min(1000, afterPass.nanosUntilDue() / 1_000_000));
    }

    /** True when the next look after the pass is due: the one after it is then scheduled. */
    boolean lookDue() {
        return afterPass.take(window.spread());
    }

    /**
     * True when enough imports are pending, no look is under way, one is due and the account's window can spare the
     * call: the look is then under way until {@link #lookEnded}, and the one after it scheduled.
     */
    synchronized boolean startLookBetweenBatches(int pending) {
        if (pending < PENDING_BEFORE_POLL || !looking.isDone() || !window.spare()) {
            return false;
        }
        betweenBatches.beginNow();
        if (!betweenBatches.take(Duration.ZERO)) {
            return false;
        }
        looking = new CompletableFuture<>();
        return true;
    }

    synchronized void lookEnded() {
        looking.complete(null);
    }

    /** Waits until the look made between batches is over. */
    void awaitLook() {
        CompletableFuture<Void> look;
        synchronized (this) {
            look = looking;
        }
        look.join();
    }

    /** A new pass waits anew. */
    void reset() {
        deadline = null;
        betweenBatches.restart();
        afterPass.restart();
    }

    /** Looks spaced by a wait that starts at first and doubles up to max. */
    private static final class Spacing {
        private final Duration first;
        private final Duration max;
        private Duration delay;
        /** System.nanoTime() of the next look; meaningless until begun */
        private long next;
        private boolean begun;

        Spacing(Duration first, Duration max) {
            this.first = first;
            this.max = max;
            restart();
        }

        synchronized void restart() {
            delay = first;
            begun = false;
        }

        /** The first look is due the first wait from the first time this is asked. */
        synchronized long nanosUntilDue() {
            if (!begun) {
                begun = true;
                next = System.nanoTime() + delay.toNanos();
            }
            return next - System.nanoTime();
        }

        /** The first look is due now. */
        synchronized void beginNow() {
            if (!begun) {
                begun = true;
                next = System.nanoTime();
            }
        }

        /** True when the next look is due: the one after it is then scheduled, the wait doubling, capped (and atLeast). */
        synchronized boolean take(Duration atLeast) {
            if (!begun || System.nanoTime() - next < 0) {
                return false;
            }
            Duration doubled = delay.multipliedBy(2);
            delay = doubled.compareTo(max) > 0 ? max : doubled;
            next = System.nanoTime() + Math.max(delay.toNanos(), atLeast.toNanos());
            return true;
        }
    }
}
