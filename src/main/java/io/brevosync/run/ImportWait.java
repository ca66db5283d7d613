package io.brevosync.run;

import java.time.Duration;
import java.time.Instant;

/**
 * How a run waits for its import processes after a pass: looks spaced from brevo.process-poll-first, doubling up to
 * brevo.process-poll-max (/v3/processes allows 100 calls an hour), for brevo.import-timeout at most.
 */
final class ImportWait {

    private final Duration first;
    private final Duration max;
    private final Duration timeout;
    private volatile Duration delay;
    private volatile Instant deadline;
    /** System.nanoTime() of the next look at the processes; 0: the wait has not begun */
    private volatile long nextLook;

    ImportWait(Duration first, Duration max, Duration timeout) {
        this.first = first;
        this.max = max;
        this.timeout = timeout;
        this.delay = first;
    }

    /** True while imports are pending and the timeout, counted from the first ask, has not passed. */
    boolean awaiting(boolean pending) {
        if (deadline == null) {
            deadline = Instant.now().plus(timeout);
        }
        return pending && Instant.now().isBefore(deadline);
    }

    /** Milliseconds to wait before the next tick: until the next look is due, one second at most (a cancel is seen within it). */
    long nextTick() {
        if (nextLook == 0) {
            nextLook = System.nanoTime() + delay.toNanos();
        }
        return Math.max(0, Math.min(1000, (nextLook - System.nanoTime()) / 1_000_000));
    }

    /** True when the next look at the processes is due: the one after it is then scheduled, the wait doubling, capped. */
    boolean lookDue() {
        if (nextLook == 0 || System.nanoTime() < nextLook) {
            return false;
        }
        Duration doubled = delay.multipliedBy(2);
        delay = doubled.compareTo(max) > 0 ? max : doubled;
        nextLook = System.nanoTime() + delay.toNanos();
        return true;
    }

    /** A new pass waits anew. */
    void reset() {
        delay = first;
        deadline = null;
        nextLook = 0;
    }
}
