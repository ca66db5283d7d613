package io.brevosync.access;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.brevosync.Refusal;
import io.brevosync.Settings;
import io.brevosync.StartupFailure;
import io.brevosync.db.Database;
import io.brevosync.db.Jdbc;

/**
 * {@code java -jar brevo-segment-sync.jar user add NAME --role admin|operator|viewer} and {@code user token NAME}: the
 * first admin, or a new token, straight in the database the server uses (DB_URL, DB_USER, DB_PASSWORD), without
 * starting the server. The token is printed once.
 */
public final class UserCommand {

    private static final String USAGE = "usage: user add NAME --role admin|operator|viewer   or   user token NAME";

    private UserCommand() {
    }

    /** args without the leading "user"; answers the exit status. */
    public static int run(List<String> args, PrintStream out) {
        try (Database database = connect(Settings.read()::get)) {
            database.migrate();
            Users users = new Users(new Jdbc(database.dataSource()), "");
            if (args.size() == 4 && args.get(0).equals("add") && args.get(2).equals("--role")) {
                var user = users.add(args.get(1), args.get(3), "command line");
                out.println("User " + user.get("name") + " (" + user.get("role") + ") added. Its token, shown this once: " + user.get("token"));
            } else if (args.size() == 2 && args.get(0).equals("token")) {
                out.println("A new token of " + args.get(1) + ", shown this once: " + users.issueToken(args.get(1), "command line").get("token"));
            } else {
                out.println(USAGE);
                return 2;
            }
            return 0;
        } catch (Refusal | StartupFailure e) {
            out.println(e.getMessage());
            return 1;
        } catch (Exception e) {
            out.println("The command failed: " + e.getMessage());
            return 1;
        }
    }

    private static Database connect(Function<String, String> settings) {
        // two connections: Flyway holds one for its lock while it migrates with the other
        return new Database(settings.apply("db.url"), settings.apply("db.user"), settings.apply("db.password"), settings.apply("db.schema"), 2, 0,
                Duration.ofMillis(Long.parseLong(settings.apply("db.connect-timeout"))));
    }
}
