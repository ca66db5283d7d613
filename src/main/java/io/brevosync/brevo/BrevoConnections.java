package io.brevosync.brevo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import org.apache.camel.Exchange;

/**
 * The Brevo accounts exports send to. Each connection has a name (used by exports), a base URL and an API key read
 * from an environment variable or a secret file. The key stays inside this class: it is put on the outgoing request
 * only, and no toString, log line or API answer shows it.
 */
public final class BrevoConnections {

    public static final String DEFAULT_BASE_URL = "https://api.brevo.com/v3";

    private record Connection(String baseUrl, String apiKey, Pacer pacer) {
        @Override
        public String toString() {
            return "Connection[" + baseUrl + ", api-key ****]";
        }
    }

    /** Spaces the requests of one connection (one API key, shared by every export and thread) to its rate. */
    private static final class Pacer {
        private final long intervalNanos;
        private long next = System.nanoTime();

        Pacer(double requestsPerSecond) {
            this.intervalNanos = (long) (1_000_000_000L / requestsPerSecond);
        }

        /** Reserves the next slot; answers how long to wait for it. */
        synchronized long reserve() {
            long now = System.nanoTime();
            long at = Math.max(now, next);
            next = at + intervalNanos;
            return at - now;
        }
    }

    /** Brevo's General plan: 10 requests per second on /v3/contacts. */
    public static final double DEFAULT_REQUESTS_PER_SECOND = 10;

    private final Map<String, Connection> connections = new TreeMap<>();

    /**
     * Reads {@code brevo.connection.<name>.base-url}, {@code .api-key-file}, {@code .api-key-env} (default
     * BREVO_API_KEY for "default", BREVO_API_KEY_<NAME> otherwise) and {@code .requests-per-second} (default
     * {@code brevo.requests-per-second}) for each name.
     */
    public static BrevoConnections fromProperties(Iterable<String> names, Function<String, String> properties, Function<String, String> env) {
        BrevoConnections result = new BrevoConnections();
        for (String name : names) {
            String prefix = "brevo.connection." + name + ".";
            String baseUrl = orDefault(properties.apply(prefix + "base-url"), DEFAULT_BASE_URL);
            String file = properties.apply(prefix + "api-key-file");
            String variable = orDefault(properties.apply(prefix + "api-key-env"),
                    name.equals("default") ? "BREVO_API_KEY" : "BREVO_API_KEY_" + name.toUpperCase().replaceAll("[^A-Z0-9]", "_"));
            String key = file == null || file.isBlank() ? env.apply(variable) : readSecret(name, Path.of(file));
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("Brevo connection '" + name + "' has no API key: set the environment variable " + variable
                        + " or " + prefix + "api-key-file");
            }
            result.add(name, baseUrl, key.trim(), rate(properties, name));
        }
        return result;
    }

    /** The connection's requests per second: its own setting, else brevo.requests-per-second, else the General plan's. */
    public static double rate(Function<String, String> properties, String name) {
        String own = properties.apply("brevo.connection." + name + ".requests-per-second");
        String all = properties.apply("brevo.requests-per-second");
        String value = own != null && !own.isBlank() ? own : all;
        double rate = value == null || value.isBlank() ? DEFAULT_REQUESTS_PER_SECOND : Double.parseDouble(value.trim());
        if (!(rate > 0)) {
            throw new IllegalArgumentException("Brevo connection '" + name + "': requests-per-second must be above 0, got " + value);
        }
        return rate;
    }

    public void add(String name, String baseUrl, String apiKey, double requestsPerSecond) {
        connections.put(name, new Connection(baseUrl.replaceAll("/+$", ""), apiKey, new Pacer(requestsPerSecond)));
    }

    public Set<String> names() {
        return connections.keySet();
    }

    public String baseUrl(String name) {
        return connection(name).baseUrl();
    }

    /**
     * Turns the exchange into a clean Brevo request: inbound headers go (an inbound CamelHttp* header would steer the
     * call elsewhere), then method, URL, content type and api-key are set from the exchange properties
     * {@code connection}, {@code brevoMethod} and {@code brevoPath}.
     */
    public void prepare(Exchange exchange) throws InterruptedException {
        Connection connection = connection(exchange.getProperty("connection", String.class));
        // paced before it is sent, so exports sharing a key stay within its rate together
        long wait = connection.pacer().reserve();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        var in = exchange.getIn();
        // CamelRedelivery* must stay: it is the error handler's attempt counter
        in.removeHeaders("*", "CamelRedelivery*");
        in.setHeader(Exchange.HTTP_METHOD, exchange.getProperty("brevoMethod", "GET", String.class));
        in.setHeader(Exchange.HTTP_URI, connection.baseUrl() + exchange.getProperty("brevoPath", String.class));
        in.setHeader("Accept", "application/json");
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        in.setHeader("api-key", connection.apiKey());
    }

    private Connection connection(String name) {
        Connection connection = connections.get(name);
        if (connection == null) {
            throw new IllegalArgumentException("no Brevo connection named '" + name + "'");
        }
        return connection;
    }

    private static String readSecret(String name, Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("Brevo connection '" + name + "': cannot read its API key file " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String orDefault(String value, String defaultValue) {
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    @Override
    public String toString() {
        return "BrevoConnections" + connections;
    }
}
