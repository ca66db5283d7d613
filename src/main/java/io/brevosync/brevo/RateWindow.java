package io.brevosync.brevo;

import java.time.Duration;

/**
 * What Brevo's rate-limit headers last said of one budget of a connection (x-sib-ratelimit-remaining and -reset):
 * the calls left in the account's window, for every server and export on the key, and when the window resets. A run
 * that follows its imports asks it before it spends a call it could do without.
 */
public final class RateWindow {

    /** Calls left from which a spare look at the processes may be made; below it the rest is kept for waiting on imports. */
    public static final long SPARE_ABOVE = 40;

    private volatile long remaining = Long.MAX_VALUE;
    /** System.nanoTime() of the window's reset */
    private volatile long resetAt;

    /** An answer's headers (null: absent). */
    public void observed(Long remaining, Long resetSeconds) {
        if (remaining != null && resetSeconds != null) {
            this.resetAt = System.nanoTime() + resetSeconds * 1_000_000_000L;
            this.remaining = remaining;
        }
    }

    /** Calls left in the window; unlimited when no header said, or once the window has reset. */
    public long remaining() {
        return remaining == Long.MAX_VALUE || System.nanoTime() - resetAt >= 0 ? Long.MAX_VALUE : remaining;
    }

    /** Whether a call that can be done without (a look between batches) leaves enough for the waits that cannot. */
    public boolean spare() {
        return remaining() > SPARE_ABOVE;
    }

    /** Once calls run short, the spacing that spreads those left over the rest of the window; zero until then. */
    public Duration spread() {
        long left = remaining();
        if (left > SPARE_ABOVE) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(0, resetAt - System.nanoTime()) / Math.max(1, left));
    }
}
