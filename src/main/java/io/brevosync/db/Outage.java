package io.brevosync.db;

import java.sql.SQLException;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits out the database being out of reach for what must reach it in the end (a run's close): tried again every
 * second for db.outage-wait, as long as the failure is the database's ({@link Database#unreachable}), not the statement's.
 */
public final class Outage {

    private static final Logger LOG = LoggerFactory.getLogger(Outage.class);

    /** Work on the database. */
    public interface Work<T> {
        T run() throws SQLException;
    }

    private final Duration wait;

    public Outage(Duration wait) {
        this.wait = wait;
    }

    public <T> T waitOut(String what, Work<T> work) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return work.run();
            } catch (SQLException e) {
                if (!Database.unreachable(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.warn("The database is unreachable while {}; trying again for up to {} s: {}", what, wait.toSeconds(), e.getMessage());
                Thread.sleep(1000);
            }
        }
    }
}
