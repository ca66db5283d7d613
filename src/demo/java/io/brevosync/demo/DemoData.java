package io.brevosync.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's customer database: its own tables (profile, segment, segment_member in public, as a CRM would have
 * them, beside the server's schema), the change feed's triggers on them as a DBA installs them (feed install), and
 * deterministic profiles with the mess real CRM data has: padded and mixed-case emails, invalid emails, blanks, the same
 * email on two profiles, phones in local, international and 00-prefixed formats, and four overlapping segments.
 * Loaded once, into an empty profile table.
 */
public final class DemoData {

    private static final Logger LOG = LoggerFactory.getLogger(DemoData.class);

    private static final String PROFILES = """
            insert into profile (id, email, first_name, last_name, phone, country, city, birth_date, consent)
            select i,
                   case when i % 97 = 0 then null
                        when i % 89 = 0 then ''
                        when i % 53 = 0 then 'customer' || i || '@@example'
                        when i % 61 = 0 then 'customer' || (i - 1) || '@example.com'
                        when i % 11 = 0 then '  Customer' || i || '@Example.COM '
                        else 'customer' || i || '@example.com' end,
                   case when i % 23 = 0 then null
                        else (array['Anna','Bruno','Chloé','Dmitri','Eva','Farid','Greta','Hiro','Inès','Jonas'])[1 + i % 10] end,
                   (array['Martin','Bernard','Dubois','Müller','Schmidt','Rossi','García','Nowak','Smith','Jensen'])[1 + (i / 10) % 10],
                   case i % 5
                        when 0 then '+33 6 ' || lpad((i % 100000000)::text, 8, '0')
                        when 1 then '06' || lpad((i % 100000000)::text, 8, '0')
                        when 2 then '0049 151 ' || lpad((i % 100000000)::text, 8, '0')
                        when 3 then null
                        else 'call me' end,
                   (array['FR','DE','IT','ES','GB'])[1 + i % 5],
                   (array['Paris','Berlin','Rome','Madrid','London','Lyon','Hamburg'])[1 + i % 7],
                   date '1950-01-01' + (i * 37 % 20000),
                   i % 3 <> 0
            from generate_series(1, ?) as i
            """;

    private static final String SEGMENTS = """
            insert into segment (name) values ('newsletter'), ('vip'), ('churn-risk'), ('spring-promo');
            insert into segment_member (segment_id, profile_id)
            select s.id, p.id from profile p join segment s on
                   (s.name = 'newsletter' and p.id % 2 = 0)
                or (s.name = 'vip' and p.id % 5 = 0)
                or (s.name = 'churn-risk' and p.id % 7 = 0)
                or (s.name = 'spring-promo' and p.id % 3 = 1);
            """;

    /** The demo's tables: a CRM's, not the server's (created in public whatever the connection's search path). */
    private static final String TABLES = """
            create table if not exists public.profile (
                id          bigint primary key,
                email       text,
                first_name  text,
                last_name   text,
                phone       text,
                country     text,
                city        text,
                birth_date  date,
                consent     boolean not null default false,
                updated_at  timestamptz not null default now()
            );
            create table if not exists public.segment (
                id    serial primary key,
                name  text not null unique
            );
            create table if not exists public.segment_member (
                segment_id  int    not null references public.segment (id) on delete cascade,
                profile_id  bigint not null references public.profile (id) on delete cascade,
                primary key (segment_id, profile_id)
            );
            create index if not exists segment_member_profile on public.segment_member (profile_id);
            """;

    /**
     * The query of the demo's exports over its tables (routes/exports/newsletter.camel.yaml says it; the tests take it
     * as exports.default-query).
     */
    public static final String QUERY = "select p.id as profile_id, p.email, p.first_name, p.last_name, p.phone, p.country, p.city, p.birth_date, p.consent "
            + "from profile p where exists (select 1 from segment_member m join segment s on s.id = m.segment_id "
            + "where m.profile_id = p.id and s.name = any(:#segments))";

    private DemoData() {
    }

    /** Creates the demo's tables and their change feed (feed install, as a DBA would run it), then loads {@code size} profiles into them if empty. */
    public static boolean install(io.brevosync.db.Database database, int size) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(TABLES);
            for (String statement : io.brevosync.sync.FeedCommand.install(database, new io.brevosync.export.ExportSource("", QUERY, "profile_id", "", false),
                    java.util.List.of("newsletter"), java.util.Map.of("public.segment_member", "profile_id", "public.profile", "id"), "email")) {
                if (!statement.startsWith("--")) {
                    s.execute(statement);
                }
            }
        }
        return loadIfEmpty(database.dataSource(), size);
    }

    /** Loads {@code size} profiles unless the profile table already holds data; answers whether it loaded. */
    private static boolean loadIfEmpty(DataSource dataSource, int size) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            var rs = s.executeQuery("select exists (select 1 from profile) or exists (select 1 from segment)");
            rs.next();
            if (rs.getBoolean(1) || size <= 0) {
                return false;
            }
            try (PreparedStatement insert = c.prepareStatement(PROFILES)) {
                insert.setInt(1, size);
                insert.executeUpdate();
            }
            s.execute(SEGMENTS);
            LOG.info("Demo data loaded: {} profiles in segments newsletter, vip, churn-risk, spring-promo", size);
            return true;
        }
    }
}
