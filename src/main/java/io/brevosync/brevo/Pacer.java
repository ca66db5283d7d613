package io.brevosync.brevo;

import java.sql.SQLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spaces the requests of one budget of a connection (shared by every export and thread) to its rate: across the
 * servers on the database once {@link #share} gives it the shared budget, in this JVM alone before that (and
 * while the database does not answer).
 */
final class Pacer {

    private static final Logger LOG = LoggerFactory.getLogger(Pacer.class);

    private final String budget;
    private final long intervalNanos;
    private final RateWindow window = new RateWindow();
    private long next = System.nanoTime();
    private volatile SharedBudget shared;
    /** System.nanoTime() before which the shared budget is not asked again, after the database failed to answer */
    private volatile long sharedAgainAt;

    /**
     * requestsPerSecond 0: no fixed rate, only the waits Brevo's headers ask for. Spaced 10 % wider than the rate:
     * a request held up on its way (a busy CPU, a pause, a cold client) up to a tenth of a second longer than the
     * tenth after it then never makes a second of Brevo's count one too many. At 5 %, two first runs starting together
     * on a just-started node (ClusterIT) met one 429.
     */
    Pacer(String budget, double requestsPerSecond) {
        this.budget = budget;
        this.intervalNanos = requestsPerSecond > 0 ? (long) (1_100_000_000L / requestsPerSecond) : 0;
    }

    /** Reserves the next slot; answers how long to wait for it, in nanoseconds. */
    long reserve() {
        SharedBudget budgets = shared;
        if (budgets != null && System.nanoTime() - sharedAgainAt >= 0) {
            try {
                return budgets.reserve(budget, intervalNanos);
            } catch (SQLException e) {
                sharedAgainAt = System.nanoTime() + 10_000_000_000L;
                LOG.warn("Brevo budget '{}': the database does not answer, pacing this server alone for 10 s: {}", budget, e.getMessage());
            }
        }
        synchronized (this) {
            long now = System.nanoTime();
            long at = Math.max(now, next);
            next = at + intervalNanos;
            return at - now;
        }
    }

    /** No request before the given number of milliseconds: the account's window is used up. */
    void holdFor(long millis) {
        synchronized (this) {
            next = Math.max(next, System.nanoTime() + millis * 1_000_000);
        }
        SharedBudget budgets = shared;
        if (budgets != null) {
            try {
                budgets.holdFor(budget, millis);
            } catch (SQLException e) {
                LOG.warn("Brevo budget '{}': could not hold the other servers: {}", budget, e.getMessage());
            }
        }
    }

    /** From now on, the budget is shared with the other servers on the database (table brevo_budget). */
    void share(SharedBudget budgets) {
        shared = budgets;
    }

    /** What Brevo's rate-limit headers last said of this budget. */
    RateWindow window() {
        return window;
    }
}
