package io.brevosync.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database out of reach: tells a failure it explains from others (a run it ended failed, not failed_permanent), and
 * waits it out for what must reach the database in the end (a run's close): tried again every second for
 * db.outage-wait, as long as the failure is the database's ({@link Database#unreachable}), not the statement's.
 */
public final class Outage {

    private static final Logger LOG = LoggerFactory.getLogger(Outage.class);

    /** Work on the database. */
    public interface Work<T> {
        T run() throws SQLException;
    }

    private final Duration wait;
    private final DataSource dataSource;

    public Outage(Duration wait, DataSource dataSource) {
        this.wait = wait;
        this.dataSource = dataSource;
    }

    /**
     * True when a failure is the database's: the error says so ({@link Database#unreachable}), or it came from the
     * database and the database does not answer now (a connection lost mid-query is not always reported as such).
     */
    public boolean explains(Throwable error) {
        if (Database.unreachable(error)) {
            return true;
        }
        if (ObjectHelper.getException(SQLException.class, error) == null) {
            return false;
        }
        try (Connection connection = dataSource.getConnection()) {
            return !connection.isValid(2);
        } catch (SQLException e) {
            return true;
        }
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
