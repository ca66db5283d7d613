package io.brevosync.db;

import java.io.IOException;
import java.nio.file.Path;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL the server works on: the one at {@code db.url}, or, when that is empty, an embedded PostgreSQL whose
 * data stays in {@code db.embedded.data-dir} across restarts. Two pools: a general one, and one for export reads with
 * autocommit off and a fetch size, because PostgreSQL only streams a result set inside a transaction.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final EmbeddedPostgres embedded;
    private final HikariDataSource dataSource;
    private final HikariDataSource exportDataSource;

    public Database(String url, String user, String password, String embeddedDataDir, int poolSize, int fetchSize) throws IOException {
        if (url == null || url.isBlank()) {
            Path dir = Path.of(embeddedDataDir).toAbsolutePath();
            // keep the data directory: a restart finds the same profiles, runs and ledger
            embedded = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).start();
            url = embedded.getJdbcUrl("postgres", "postgres");
            user = "postgres";
            password = "postgres";
            LOG.info("Embedded PostgreSQL started on port {} with data in {}", embedded.getPort(), dir);
        } else {
            embedded = null;
        }
        dataSource = pool("db", url, user, password, poolSize, true, 0);
        exportDataSource = pool("db-export", url, user, password, poolSize, false, fetchSize);
    }

    private static HikariDataSource pool(String name, String url, String user, String password, int size, boolean autoCommit,
            int fetchSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setAutoCommit(autoCommit);
        if (fetchSize > 0) {
            config.setReadOnly(true);
            config.addDataSourceProperty("defaultRowFetchSize", fetchSize);
        }
        return new HikariDataSource(config);
    }

    /** Applies the Flyway migrations in db/migration (profiles, segments, ledger). */
    public void migrate() {
        Flyway flyway = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load();
        int applied = flyway.migrate().migrationsExecuted;
        LOG.info("Database schema at version {} ({} migrations applied now)", flyway.info().current().getVersion(), applied);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public DataSource exportDataSource() {
        return exportDataSource;
    }

    @Override
    public void close() throws IOException {
        exportDataSource.close();
        dataSource.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
