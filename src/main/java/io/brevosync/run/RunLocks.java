package io.brevosync.run;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a run that is active from one that was abandoned, across servers sharing the database: an active run holds a
 * PostgreSQL session advisory lock on a connection of its own, which PostgreSQL releases when the server dies. An
 * active run whose lock can be taken was therefore left behind by a server that is gone.
 */
public final class RunLocks {

    /** The lock's first key: "Brev", so the locks never collide with another application's. */
    private static final int NAMESPACE = 0x42726576;
    private static final Logger LOG = LoggerFactory.getLogger(RunLocks.class);

    private final DataSource dataSource;
    private final Map<Long, Connection> held = new ConcurrentHashMap<>();

    public RunLocks(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void hold(long runId) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            lock(connection, "select pg_advisory_lock(?, ?)", runId);
            held.put(runId, connection);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    void release(long runId) throws SQLException {
        Connection connection = held.remove(runId);
        if (connection != null) {
            try (connection) {
                // unlocked before the connection goes back to the pool, which would otherwise keep the lock
                lock(connection, "select pg_advisory_unlock(?, ?)", runId);
            } catch (SQLException e) {
                // the connection is gone (a database outage), and its lock with it; the pool evicts it
                LOG.debug("Run {}: its lock went with its connection: {}", runId, e.getMessage());
            }
        }
    }

    /** True when no server holds the run's lock any more (it is released at once). */
    boolean abandoned(long runId) throws SQLException {
        if (held.containsKey(runId)) {
            return false;
        }
        try (Connection connection = dataSource.getConnection()) {
            if (!lock(connection, "select pg_try_advisory_lock(?, ?)", runId)) {
                return false;
            }
            lock(connection, "select pg_advisory_unlock(?, ?)", runId);
            return true;
        }
    }

    private static boolean lock(Connection connection, String sql, long runId) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            s.setInt(1, NAMESPACE);
            s.setInt(2, (int) runId);
            try (ResultSet rs = s.executeQuery()) {
                // pg_advisory_lock answers void, the others a boolean
                return rs.next() && rs.getObject(1) instanceof Boolean taken && taken;
            }
        }
    }
}
