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

    /** Milliseconds before the next look: doubling, capped. */
    long nextDelay() {
        Duration current = delay;
        Duration doubled = current.multipliedBy(2);
        delay = doubled.compareTo(max) > 0 ? max : doubled;
        return current.toMillis();
    }

    /** A new pass waits anew. */
    void reset() {
        delay = first;
        deadline = null;
    }
}
