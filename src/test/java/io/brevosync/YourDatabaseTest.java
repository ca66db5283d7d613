package io.brevosync;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import io.brevosync.db.Database;
import io.brevosync.demo.EmbeddedDatabase;
import io.brevosync.export.ExportRegistry;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server on a customer's database as it is (docs/your-database.md): its schema made beside busy ones and nothing
 * outside it touched, an installation with its tables in public moved into it, and an export over tables of another
 * shape than the demo's. (The least-privilege roles, a replica as a source and the feed command are tested on the jar:
 * ProductionJarIT.)
 */
class YourDatabaseTest extends ServerTest {

    @Override
    protected TestServer startServer() throws Exception {
        return TestServer.start(Map.of("demo.profiles", "100"));
    }

    @Test
    void the_servers_schema_is_made_beside_a_busy_database_and_nothing_outside_it_is_touched() throws Exception {
        String url = freshDatabase("busy");
        run(url, "create table public.profile (id uuid primary key, full_name text); create table public.orders (id int primary key, total numeric);"
                + "insert into public.profile values ('6b1b8a36-0f7e-4a43-9d1c-3c2a2f7c1e01', 'Not ours'); insert into public.orders values (1, 9.5)");
        String before = catalog(url);
        for (int start = 0; start < 2; start++) { // a second start finds the schema as the first left it
            try (Database database = database(url)) {
                database.migrate();
                assertEquals(List.of("18"), TestServer.strings(database.dataSource(), "select max(version::int) from brevo_sync.flyway_schema_history"));
            }
        }
        assertEquals(before, catalog(url), "public is as it was: no table, column, function or trigger added or changed");
        assertEquals(List.of("Not ours"), strings(url, "select full_name from public.profile"));
        assertEquals(List.of("export_run", "sync_state"), strings(url, "select tablename from pg_tables where schemaname = 'brevo_sync' "
                + "and tablename in ('export_run', 'sync_state') order by 1"));
    }

    @Test
    void an_installation_with_its_tables_in_public_is_moved_into_the_schema_with_its_data_and_its_feed() throws Exception {
        String url = freshDatabase("legacy");
        // as a server of 2026-11 left it: its tables in public beside the demo's, the feed's triggers on profile
        Flyway.configure().dataSource(url, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD).schemas("public").target("16").load().migrate();
        run(url, """
                create table profile (id bigint primary key, email text);
                insert into profile values (1, 'kept@example.com');
                create function profile_changed() returns trigger language plpgsql as $$
                begin
                    insert into profile_change (profile_id) values (null);
                    return null;
                end $$;
                create trigger profile_updated after update on profile for each statement execute function profile_changed();
                insert into sync_state (export_id, profile_id, email, hash) values ('earlier', '1', 'kept@example.com', 42);
                update flyway_schema_history set checksum = 12345 where version in ('1', '12')""");
        try (Database database = database(url)) {
            database.migrate();
        }
        assertEquals(List.of("f"), strings(url, "select to_regclass('public.sync_state') is not null"), "moved out of public");
        assertEquals(List.of("earlier|kept@example.com"), strings(url, "select export_id || '|' || email from brevo_sync.sync_state"), "with its rows");
        assertEquals(List.of("18"), strings(url, "select max(version::int) from brevo_sync.flyway_schema_history"), "then migrated on");
        assertEquals(List.of("kept@example.com"), strings(url, "select email from public.profile"), "the customer's table stays");
        run(url, "update public.profile set email = 'changed@example.com'");
        assertEquals(List.of("1"), strings(url, "select count(*) from brevo_sync.profile_change"), "its triggers feed the moved profile_change");
        try (Database database = database(url)) {
            database.migrate(); // and the next start validates
        }
    }

    @Test
    void an_export_reads_contacts_keyed_by_a_uuid_through_a_membership_table_of_their_own() throws Exception {
        server.sql("""
                create schema crm;
                create table crm.contact (id uuid primary key, email text not null, first text, last text);
                create table crm.audience (name text primary key);
                create table crm.audience_member (contact_id uuid references crm.contact (id), audience text references crm.audience (name),
                    primary key (contact_id, audience));
                insert into crm.audience values ('spring-promo'), ('other');
                insert into crm.contact select md5(i::text)::uuid, 'contact' || i || '@example.com', 'First' || i, 'Last' || i from generate_series(1, 30) i;
                insert into crm.audience_member select id, case when split_part(email, '@', 1) in ('contact1', 'contact2', 'contact3') then 'other'
                    else 'spring-promo' end from crm.contact""");
        java.nio.file.Files.writeString(server.exportsDir().resolve("contacts.camel.yaml"), TestServer.exportFile(Map.of("exportId", "contacts", "listId", "1",
                "segments", "spring-promo", "mapping", "EMAIL=email,FIRSTNAME=first,LASTNAME=last", "query",
                "select c.id as profile_id, c.email, c.first, c.last from crm.contact c where exists (select 1 from crm.audience_member m "
                        + "where m.contact_id = c.id and m.audience = any(:#segments))")));
        ExportRegistry exports = server.context().getRegistry().lookupByNameAndType("exportRegistry", ExportRegistry.class);
        TestServer.await("export contacts in force", Duration.ofSeconds(10), () -> exports.all().stream().anyMatch(e -> e.id().equals("contacts")));
        JsonNode run = server.runAndWait("contacts");
        assertEquals("succeeded", run.get("status").asText(), run.toString());
        assertEquals(27, run.get("rowsAdded").asInt(), run.toString());
        assertEquals("every profile compared: the profile key is not a whole number (uuid)", run.get("feed").asText());
        assertTrue(server.listMembers(1).contains("contact4@example.com|First4|Last4"), "sent with its attributes");
        // a contact leaves the audience: the rerun takes it out of the list
        server.sql("delete from crm.audience_member where contact_id = md5('4')::uuid");
        JsonNode rerun = server.runAndWait("contacts");
        assertEquals(1, rerun.get("rowsRemoved").asInt(), rerun.toString());
        assertTrue(!server.listMembers(1).contains("contact4@example.com|First4|Last4"));
    }

    /** A new, empty database of the test's PostgreSQL; answers its URL. */
    private String freshDatabase(String name) throws Exception {
        server.sql("drop database if exists " + name);
        server.sql("create database " + name);
        return server.databaseUrl(name);
    }

    private static Database database(String url) {
        return new Database(url, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD, EmbeddedDatabase.SCHEMA, 2, 0, Duration.ofSeconds(5));
    }

    /** Everything of public a migration could have changed: tables and columns, functions, triggers, indexes. */
    private static String catalog(String url) throws Exception {
        return String.join("\n", strings(url, """
                select 'column ' || table_name || '.' || column_name || ' ' || data_type from information_schema.columns where table_schema = 'public'
                union all select 'function ' || p.oid::regprocedure from pg_proc p where p.pronamespace = 'public'::regnamespace
                union all select 'trigger ' || tgname from pg_trigger t join pg_class r on r.oid = t.tgrelid where r.relnamespace = 'public'::regnamespace
                union all select 'index ' || indexname from pg_indexes where schemaname = 'public'
                order by 1"""));
    }

    private static List<String> strings(String url, String sql) throws Exception {
        try (var pool = new com.zaxxer.hikari.HikariDataSource()) {
            pool.setJdbcUrl(url);
            pool.setUsername(EmbeddedDatabase.USER);
            pool.setPassword(EmbeddedDatabase.PASSWORD);
            return TestServer.strings((DataSource) pool, sql);
        }
    }

    private static void run(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
