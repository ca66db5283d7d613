package io.brevosync.db;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.brevosync.StartupFailure;
import io.brevosync.export.ExportSource;

/**
 * Where exports read the customer's rows: the database of the server's schema, or a source of its own
 * ({@code sources}, each {@code source.<name>.url}, {@code .user}, {@code .password}): another PostgreSQL, often a
 * read-only replica. Every read is a read-only transaction, streamed; a source that does not answer fails the runs
 * that read it, never the start-up.
 */
public final class Sources implements AutoCloseable {

    private final Database database;
    private final Map<String, HikariDataSource> remote = new LinkedHashMap<>();
    private final Map<String, String> locations = new LinkedHashMap<>();

    /** @param settings a setting's value, or "" */
    public Sources(Database database, List<String> names, Function<String, String> settings, int poolSize, int fetchSize, Duration connectTimeout) {
        this.database = database;
        for (String name : names) {
            String url = settings.apply("source." + name + ".url");
            if (url.isEmpty()) {
                throw new StartupFailure("Source '" + name + "' has no source." + name + ".url (e.g. jdbc:postgresql://replica.example.com:5432/crm)");
            }
            locations.put(name, Database.location(url));
            remote.put(name, Database.readPool("source-" + name, url, settings.apply("source." + name + ".user"),
                    settings.apply("source." + name + ".password"), poolSize, fetchSize, connectTimeout));
        }
    }

    public Set<String> names() {
        return remote.keySet();
    }

    /** The read-only, streamed connections of the database the export's rows are read on. */
    public DataSource reader(ExportSource source) {
        return source.local() ? database.exportDataSource() : remote.get(source.name());
    }

    /** host:port/database of a source, for logs and messages. */
    public String location(String name) {
        return name.isEmpty() ? database.location() : locations.get(name);
    }

    @Override
    public void close() {
        remote.values().forEach(HikariDataSource::close);
    }
}
