package io.brevosync.sync;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.brevosync.Settings;
import io.brevosync.StartupFailure;
import io.brevosync.db.Database;
import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportFile;
import io.brevosync.export.ExportSource;
import io.brevosync.export.Normalise;

/**
 * {@code java -jar brevo-segment-sync.jar feed install|remove --export ID [--key TABLE=COLUMN]… [--email TABLE=COLUMN] [--apply]}:
 * the change feed's triggers on the tables an export reads (its query's plan names them), for a DBA to read and run
 * (printed), or run by the command with the role of DB_USER (--apply), which must own those tables. Never done by the
 * server: its role only reads the customer's tables. Each table's key column (a whole number identifying the profile)
 * is the one --key names, else a column named as the export's profileKey; a table without one (segment names, say)
 * makes any change of it compare every profile. --email adds the index that finds a profile by its address.
 */
public final class FeedCommand {

    private static final String USAGE = "usage: feed install|remove --export ID [--key TABLE=COLUMN]... [--email TABLE=COLUMN] [--apply]";
    private static final Pattern MAPPED_EMAIL = Pattern.compile("(?i)(?:^|,)\\s*EMAIL\\s*=\\s*([a-z_][a-z0-9_]*)");

    private FeedCommand() {
    }

    /** args without the leading "feed"; answers the exit status. */
    public static int run(List<String> args, PrintStream out) {
        Map<String, List<String>> options = options(args);
        if (options == null || !Set.of("install", "remove").contains(args.get(0)) || options.getOrDefault("--export", List.of()).size() != 1) {
            out.println(USAGE);
            return 2;
        }
        Settings settings = Settings.read();
        String exportId = options.get("--export").get(0);
        try {
            Map<String, String> parameters = ExportFile.declaredParameters(Path.of(settings.get("exports.dir")), exportId);
            if (parameters.isEmpty()) {
                out.println("No export '" + exportId + "' in " + settings.get("exports.dir") + " (exports.dir)");
                return 1;
            }
            Function<String, String> parameter = name -> settings.resolve(parameters.getOrDefault(name, ""));
            if (!parameter.apply("source").isEmpty()) {
                out.println("Export '" + exportId + "' reads source '" + parameter.apply("source") + "', another database: the change feed is only for tables"
                        + " of the database of the server's schema (db.url); its runs compare every profile");
                return 1;
            }
            String query = parameter.apply("query").isEmpty() ? settings.get("exports.default-query") : parameter.apply("query");
            String key = parameter.apply("profileKey").isEmpty() ? ExportSource.PROFILE_ID : parameter.apply("profileKey").toLowerCase();
            ExportSource source = new ExportSource("", query, key, parameter.apply("segmentsColumn").toLowerCase(), false);
            List<String> segments = Arrays.stream(parameter.apply("segments").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            Matcher email = MAPPED_EMAIL.matcher(parameter.apply("mapping"));
            try (Database database = new Database(settings.get("db.url"), settings.get("db.user"), settings.get("db.password"), settings.get("db.schema"),
                    1, 0, Duration.ofMillis(Long.parseLong(settings.get("db.connect-timeout"))))) {
                List<String> sql = statements(database, args.get(0).equals("install"), exportId, source, segments, options,
                        email.find() ? email.group(1).toLowerCase() : "");
                if (options.containsKey("--apply")) {
                    apply(database, sql, out);
                } else {
                    sql.forEach(out::println);
                }
            }
            return 0;
        } catch (StartupFailure | IllegalArgumentException e) {
            out.println(e.getMessage());
            return 1;
        } catch (Exception e) {
            out.println("The command failed: " + e.getMessage());
            return 1;
        }
    }

    /** The statements that install the feed on the tables the export's query reads (keys: TABLE=COLUMN), as the command prints them. */
    public static List<String> install(Database database, ExportSource source, List<String> segments, Map<String, String> keys, String emailColumn)
            throws SQLException {
        Map<String, List<String>> options = new LinkedHashMap<>();
        options.put("--key", keys.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        return statements(database, true, "demo", source, segments, options, emailColumn);
    }

    /** The statements that install (or remove) the feed on the tables the export's query reads. */
    private static List<String> statements(Database database, boolean install, String exportId, ExportSource source, List<String> segments,
            Map<String, List<String>> options, String emailColumn) throws SQLException {
        Jdbc db = new Jdbc(database.exportDataSource());
        Map<String, String> keys = pairs(options.getOrDefault("--key", List.of()));
        Map<String, String> emails = pairs(options.getOrDefault("--email", List.of()));
        String function = database.schema() + ".profile_changed";
        String prefix = database.schema() + "_feed_";
        List<String> sql = new ArrayList<>();
        sql.add("-- The change feed of export '" + exportId + "' (" + (install ? "feed install" : "feed remove") + "): run as the owner of these tables");
        for (String table : ChangeFeed.tablesRead(database.exportDataSource(), SyncQuery.columns(source, segments))) {
            String bare = table.substring(table.indexOf('.') + 1);
            if (!install) {
                for (String op : List.of("inserted", "updated", "deleted", "truncated", "changed")) {
                    sql.add("drop trigger if exists " + prefix + op + " on " + table + ";");
                }
                continue;
            }
            String keyColumn = keys.getOrDefault(table, keys.getOrDefault(bare, column(db, table, source.profileKey()) ? source.profileKey() : ""));
            if (keyColumn.isEmpty()) {
                sql.add("-- " + table + ": no key column (--key " + table + "=COLUMN names one): any change of it makes the next run compare every profile");
                sql.add("create or replace trigger " + prefix + "changed after insert or update or delete or truncate on " + table
                        + " for each statement execute function " + function + "();");
                continue;
            }
            String type = type(db, table, keyColumn);
            if (!SyncQuery.streamsFirstRun(type)) {
                throw new IllegalArgumentException("The key column " + table + "." + keyColumn + " is " + (type.isEmpty() ? "not a column of it" : type)
                        + ": the change feed holds whole-number keys (int2, int4, int8); without the feed every run compares every profile");
            }
            String call = " for each statement execute function " + function + "('" + keyColumn + "');";
            sql.add("-- " + table + ": key column " + keyColumn);
            sql.add("create or replace trigger " + prefix + "inserted after insert on " + table + " referencing new table as new_rows" + call);
            sql.add("create or replace trigger " + prefix + "updated after update on " + table + " referencing old table as old_rows new table as new_rows" + call);
            sql.add("create or replace trigger " + prefix + "deleted after delete on " + table + " referencing old table as old_rows" + call);
            sql.add("create or replace trigger " + prefix + "truncated after truncate on " + table + " for each statement execute function " + function + "();");
            String email = emails.getOrDefault(table, emails.getOrDefault(bare, emails.isEmpty() && column(db, table, emailColumn) ? emailColumn : ""));
            if (!email.isEmpty()) {
                sql.add("-- the index that finds a profile by its address (a run looks up who else has a changed profile's address)");
                sql.add("create index concurrently if not exists " + bare + "_" + email + "_key on " + table + " ((" + Normalise.emailKeySql(email)
                        + " collate \"C\"));");
            }
        }
        return sql;
    }

    private static boolean column(Jdbc db, String table, String column) throws SQLException {
        return !column.isEmpty() && !type(db, table, column).isEmpty();
    }

    /** The type of a column of the table (its name: int8, uuid...), or "" when it has none of that name. */
    private static String type(Jdbc db, String table, String column) throws SQLException {
        return db.queryOne("select t.typname from pg_attribute a join pg_type t on t.oid = a.atttypid "
                + "where a.attrelid = ?::regclass and a.attname = ? and a.attnum > 0 and not a.attisdropped", table, column)
                .map(row -> (String) row.get("typname")).orElse("");
    }

    /** Runs the statements, one by one (an index made concurrently cannot be in a transaction), with the role of DB_USER. */
    private static void apply(Database database, List<String> sql, PrintStream out) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            for (String statement : sql) {
                if (!statement.startsWith("--")) {
                    s.execute(statement);
                }
                out.println(statement);
            }
        }
        out.println("-- applied");
    }

    /** --name value pairs after the command word; null when they do not pair up. */
    private static Map<String, List<String>> options(List<String> args) {
        if (args.isEmpty()) {
            return null;
        }
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 1; i < args.size(); i++) {
            String name = args.get(i);
            if (name.equals("--apply")) {
                options.put(name, List.of());
            } else if (name.startsWith("--") && i + 1 < args.size()) {
                options.computeIfAbsent(name, n -> new ArrayList<>()).add(args.get(++i));
            } else {
                return null;
            }
        }
        return options;
    }

    /** TABLE=COLUMN pairs. */
    private static Map<String, String> pairs(List<String> values) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String value : values) {
            String[] parts = value.split("=", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("'" + value + "' is not TABLE=COLUMN");
            }
            pairs.put(parts[0].trim(), parts[1].trim().toLowerCase());
        }
        return pairs;
    }
}
