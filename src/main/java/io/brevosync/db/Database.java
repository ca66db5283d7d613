package io.brevosync.db;

import java.net.URI;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.brevosync.StartupFailure;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL the server works on, at {@code db.url}. Two pools: a general one, and one for export reads with
 * autocommit off and a fetch size, because PostgreSQL only streams a result set inside a transaction.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final String location;
    private final HikariDataSource dataSource;
    private final HikariDataSource exportDataSource;

    /** Connects (both pools) or throws a {@link StartupFailure} naming the database and the cause. */
    public Database(String url, String user, String password, int poolSize, int fetchSize, Duration connectTimeout) {
        if (url == null || url.isBlank()) {
            throw new StartupFailure("No database configured: set DB_URL (e.g. jdbc:postgresql://db.example.com:5432/crm), DB_USER and DB_PASSWORD");
        }
        location = location(url);
        try {
            dataSource = pool("db", url, user, password, poolSize, true, 0, connectTimeout);
        } catch (HikariPool.PoolInitializationException | IllegalArgumentException e) {
            throw new StartupFailure("Cannot connect to PostgreSQL at " + location + ": " + rootMessage(e) + " (check DB_URL, DB_USER and DB_PASSWORD)", e);
        }
        exportDataSource = pool("db-export", url, user, password, poolSize, false, fetchSize, connectTimeout);
    }

    private static HikariDataSource pool(String name, String url, String user, String password, int size, boolean autoCommit, int fetchSize,
            Duration connectTimeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setAutoCommit(autoCommit);
        // a database that does not answer is said within seconds, at start-up and by every call that needs it
        config.setConnectionTimeout(Math.max(250, connectTimeout.toMillis()));
        config.addDataSourceProperty("connectTimeout", Math.max(1, connectTimeout.toSeconds()));
        if (fetchSize > 0) {
            config.setReadOnly(true);
            config.addDataSourceProperty("defaultRowFetchSize", fetchSize);
        }
        return new HikariDataSource(config);
    }

    /** Applies the Flyway migrations in db/migration (profiles, segments, ledger, sync state). */
    public void migrate() {
        try {
            Flyway flyway = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load();
            int applied = flyway.migrate().migrationsExecuted;
            LOG.info("Database schema at version {} ({} migrations applied now)", flyway.info().current().getVersion(), applied);
        } catch (FlywayException e) {
            throw new StartupFailure("The database schema of " + location + " could not be migrated: " + oneLine(rootMessage(e)), e);
        }
    }

    /**
     * True when the error is the database being out of reach (no connection within db.connect-timeout, a connection
     * lost, the server shutting down), not a fault of the statement: trying again later may work.
     */
    public static boolean unreachable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    /** host:port/database, for logs and messages (never the user or password). */
    public String location() {
        return location;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public DataSource exportDataSource() {
        return exportDataSource;
    }

    @Override
    public void close() {
        exportDataSource.close();
        dataSource.close();
        LOG.info("Database pools closed ({})", location);
    }

    static String location(String jdbcUrl) {
        try {
            URI uri = URI.create(jdbcUrl.substring(jdbcUrl.indexOf(':') + 1));
            return uri.getHost() == null ? uri.getSchemeSpecificPart().replaceAll("\\?.*", "")
                    : uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + uri.getPath();
        } catch (IllegalArgumentException e) {
            return "(an unreadable DB_URL)";
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    /**
     * Flyway's message on one line, its details included (which migration, what differs), without its rulers and
     * links: the first line alone says only "Validate failed: Migrations have failed validation".
     */
    private static String oneLine(String text) {
        String line = text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("---") && !l.contains("http"))
                .collect(java.util.stream.Collectors.joining("; "));
        return line.length() > 600 ? line.substring(0, 600) + "…" : line;
    }
}
