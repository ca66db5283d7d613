package io.brevosync;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Properties;

import io.brevosync.access.UserCommand;
import io.brevosync.sync.FeedCommand;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the route server: beans from {@link ExportConfiguration}, the engine's routes from routes/*.camel.yaml, the
 * exports from the exports directory. A start-up that cannot work ends the process with status 1 and one line
 * saying why and what to set.
 */
public final class Application {

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    private Application() {
    }

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--version")) {
            System.out.println("brevo-segment-sync " + version());
            return;
        }
        if (args.length > 0 && args[0].equals("user")) {
            System.exit(UserCommand.run(Arrays.asList(args).subList(1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("feed")) {
            System.exit(FeedCommand.run(Arrays.asList(args).subList(1, args.length), System.out));
        }
        int status = run(new Main(Application.class), args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs Camel Main until it is stopped; answers the exit status (1 when it could not start). */
    public static int run(Main main, String... args) {
        try {
            main.run(args);
            return main.getExitCode();
        } catch (Exception e) {
            StartupFailure failure = StartupFailure.in(e);
            String message = failure != null ? failure.getMessage() : "The server could not start: " + e.getMessage();
            LOG.error("{}", message);
            LOG.debug("Start-up failure", e);
            try {
                main.stop();
            } catch (Exception stopping) {
                LOG.debug("Stopping after a failed start-up", stopping);
            }
            return 1;
        }
    }

    /** The version this build was made from (version.properties, filled in by Maven). */
    public static String version() {
        try (InputStream in = Application.class.getResourceAsStream("/version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
