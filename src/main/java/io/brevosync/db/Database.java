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
 * The PostgreSQL the server keeps its own tables in, at {@code db.url}, in a schema of its own ({@code db.schema}).
 * Two pools: the server's, whose connections look in that schema first, so no table of the customer's is ever taken
 * for one of its own; and the export reads', as the user connects (the customer's tables), in read-only transactions
 * with a fetch size, because PostgreSQL only streams a result set inside a transaction.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private static final java.util.regex.Pattern SCHEMA = java.util.regex.Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String location;
    private final String schema;
    private final HikariDataSource dataSource;
    private final HikariDataSource exportDataSource;

    /** Connects (both pools) or throws a {@link StartupFailure} naming the database and the cause. */
    public Database(String url, String user, String password, String schema, int poolSize, int fetchSize, Duration connectTimeout) {
        if (url == null || url.isBlank()) {
            throw new StartupFailure("No database configured: set DB_URL (e.g. jdbc:postgresql://db.example.com:5432/crm), DB_USER and DB_PASSWORD");
        }
        if (!SCHEMA.matcher(schema).matches()) {
            throw new StartupFailure("db.schema '" + schema + "' is not a schema name (lower-case letters, digits and _)");
        }
        location = location(url);
        this.schema = schema;
        try {
            HikariConfig server = config("db", url, user, password, poolSize, connectTimeout);
            // its connections look in its schema first: its tables are always its own, whatever the customer's are called
            server.setConnectionInitSql("set search_path to " + schema + ", public");
            dataSource = new HikariDataSource(server);
        } catch (HikariPool.PoolInitializationException | IllegalArgumentException e) {
            throw new StartupFailure("Cannot connect to PostgreSQL at " + location + ": " + rootMessage(e) + " (check DB_URL, DB_USER and DB_PASSWORD)", e);
        }
        exportDataSource = new HikariDataSource(readConfig("db-export", url, user, password, poolSize, fetchSize, connectTimeout));
    }

    /**
     * A pool of export reads on another database (a source, often a read-only replica), made without connecting: a
     * source out of reach fails the runs that read it, not the start-up.
     */
    static HikariDataSource readPool(String name, String url, String user, String password, int poolSize, int fetchSize, Duration connectTimeout) {
        HikariConfig config = readConfig(name, url, user, password, poolSize, fetchSize, connectTimeout);
        config.setInitializationFailTimeout(-1);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }

    /** Export reads: autocommit off and a fetch size (PostgreSQL streams only inside a transaction), every transaction BEGIN READ ONLY. */
    private static HikariConfig readConfig(String name, String url, String user, String password, int size, int fetchSize, Duration connectTimeout) {
        HikariConfig config = config(name, url, user, password, size, connectTimeout);
        config.setAutoCommit(false);
        // an export's query cannot write, whatever it says
        config.setReadOnly(true);
        config.addDataSourceProperty("readOnlyMode", "always");
        if (fetchSize > 0) {
            config.addDataSourceProperty("defaultRowFetchSize", fetchSize);
        }
        return config;
    }

    private static HikariConfig config(String name, String url, String user, String password, int size, Duration connectTimeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        // a database that does not answer is said within seconds, at start-up and by every call that needs it
        config.setConnectionTimeout(Math.max(250, connectTimeout.toMillis()));
        config.addDataSourceProperty("connectTimeout", Math.max(1, connectTimeout.toSeconds()));
        return config;
    }

    /**
     * Creates the server's schema if it is not there and applies the Flyway migrations in db/migration to it, and to
     * nothing else, however busy the rest of the database is. An installation from before the schema (its tables in
     * public) is moved into it first ({@link SchemaMove}).
     */
    public void migrate() {
        try {
            Flyway flyway = Flyway.configure().dataSource(dataSource).schemas(schema).defaultSchema(schema).createSchemas(true)
                    .locations("classpath:db/migration").load();
            if (new SchemaMove(dataSource, schema).fromPublic()) {
                // V1 and V12 no longer create the demo's tables and triggers, which stay where they are: their checksums are realigned
                flyway.repair();
            }
            int applied = flyway.migrate().migrationsExecuted;
            LOG.info("Database schema {} at version {} ({} migrations applied now)", schema, flyway.info().current().getVersion(), applied);
        } catch (FlywayException | java.sql.SQLException e) {
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

    /** The schema of the server's own tables (db.schema). */
    public String schema() {
        return schema;
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
