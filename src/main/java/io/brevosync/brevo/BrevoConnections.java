package io.brevosync.brevo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import io.brevosync.StartupFailure;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Brevo accounts exports send to. Each connection has a name (used by exports), a base URL and an API key read
 * from an environment variable or a secret file. The key stays inside this class: it is put on the outgoing request
 * only, and no toString, log line or API answer shows it.
 */
public final class BrevoConnections {

    public static final String DEFAULT_BASE_URL = "https://api.brevo.com/v3";

    /**
     * One Brevo account. Brevo budgets its requests per key in two buckets: /contacts (10/s on the General plan) and
     * everything else (100/h); each has its pacer, so waiting for one never holds up the other.
     */
    private record Connection(String baseUrl, String apiKey, Pacer contacts, Pacer other, java.util.concurrent.atomic.AtomicInteger lastStatus) {
        @Override
        public String toString() {
            return "Connection[" + baseUrl + ", api-key ****]";
        }

        Pacer pacer(String path) {
            return path != null && path.startsWith("/contacts") ? contacts : other;
        }
    }

    /** Brevo's General plan: 10 requests per second on /v3/contacts. */
    public static final double DEFAULT_REQUESTS_PER_SECOND = 10;
    /** A 429 is waited out and sent again this many times in a row before it counts as a failure. */
    static final int MAX_RATE_LIMIT_WAITS = 30;
    private static final long MAX_RESET_SECONDS = 86_400;
    /** The longest wait for a rate limit, unless brevo.max-rate-wait says otherwise. */
    static final long DEFAULT_MAX_RATE_WAIT_MILLIS = 300_000;
    private static final Logger LOG = LoggerFactory.getLogger(BrevoConnections.class);

    private final Map<String, Connection> connections = new TreeMap<>();
    private long maxRateWaitMillis = DEFAULT_MAX_RATE_WAIT_MILLIS;
    private volatile Meter meter = (connection, method, path, status, remaining) -> { };

    /** Told every answer of Brevo (observe.ExportMetrics). */
    public interface Meter {
        void answered(String connection, String method, String path, int status, Long remaining);
    }

    public void meter(Meter meter) {
        this.meter = meter;
    }

    /**
     * Reads {@code brevo.connection.<name>.base-url}, {@code .api-key-file}, {@code .api-key-env} (default
     * BREVO_API_KEY for "default", BREVO_API_KEY_<NAME> otherwise) and {@code .requests-per-second} (default
     * {@code brevo.requests-per-second}) for each name; and {@code brevo.max-rate-wait} (ms) for all.
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
                throw new StartupFailure("Brevo connection '" + name + "' has no API key: set the environment variable " + variable
                        + " or " + prefix + "api-key-file");
            }
            result.add(name, baseUrl, key.trim(), rate(properties, name));
        }
        String maxWait = properties.apply("brevo.max-rate-wait");
        if (maxWait != null && !maxWait.isBlank()) {
            result.maxRateWaitMillis = Long.parseLong(maxWait.trim());
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
            throw new StartupFailure("Brevo connection '" + name + "': requests-per-second must be above 0, got " + value);
        }
        return rate;
    }

    public void add(String name, String baseUrl, String apiKey, double requestsPerSecond) {
        connections.put(name, new Connection(baseUrl.replaceAll("/+$", ""), apiKey, new Pacer(name + ":contacts", requestsPerSecond), new Pacer(name + ":other", 0),
                new java.util.concurrent.atomic.AtomicInteger()));
    }

    /** Every connection's budget from now on shared with the other servers on this database (table brevo_budget). */
    public void share(javax.sql.DataSource dataSource) {
        SharedBudget budgets = new SharedBudget(dataSource);
        connections.values().forEach(c -> {
            c.contacts().share(budgets);
            c.other().share(budgets);
        });
    }

    public Set<String> names() {
        return connections.keySet();
    }

    public String baseUrl(String name) {
        return connection(name).baseUrl();
    }

    /** What Brevo last said of the calls left to the connection's budget that the path is in. */
    public RateWindow window(String name, String path) {
        return connection(name).pacer(path).window();
    }

    /** The status of Brevo's last answer on the connection (0: none yet): a 401 says its key is refused. */
    public int lastStatus(String name) {
        return connection(name).lastStatus().get();
    }

    /**
     * Turns the exchange into a clean Brevo request: inbound headers go (an inbound CamelHttp* header would steer the
     * call elsewhere), then method, URL, content type and api-key are set from the exchange properties
     * {@code connection}, {@code brevoMethod} and {@code brevoPath}.
     */
    public void prepare(Exchange exchange) throws InterruptedException {
        Connection connection = connection(exchange.getProperty("connection", String.class));
        // paced before it is sent, so exports sharing a key stay within its rate together
        long wait = connection.pacer(exchange.getProperty("brevoPath", String.class)).reserve();
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

    /** brevo-call's first step: the request in the body becomes the call in flight (the property brevoCall). */
    public BrevoCall call(Exchange exchange) {
        return new BrevoCall(exchange.getIn().getBody());
    }

    /**
     * Brevo answered (the HTTP call does not throw on an error status, so a 429 never counts against the circuit
     * breaker or the retry budget). The rate-limit headers pace the connection: with nothing left in the window it
     * waits for the reset. A 429 is waited out (for the reset the headers give, else exponential backoff with jitter)
     * and sent again by brevo-call's loop. A 5xx throws, for the breaker to count and the caller to retry; a 4xx
     * throws a {@link BrevoRefusal}, which the breaker ignores.
     */
    public void answered(Exchange exchange) throws HttpOperationFailedException {
        BrevoCall call = exchange.getProperty("brevoCall", BrevoCall.class);
        String connectionName = exchange.getProperty("connection", String.class);
        String path = exchange.getProperty("brevoPath", String.class);
        Connection connection = connection(connectionName);
        Pacer pacer = connection.pacer(path);
        var in = exchange.getIn();
        int status = in.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        Long remaining = number(in.getHeader("x-sib-ratelimit-remaining"));
        Long reset = number(in.getHeader("x-sib-ratelimit-reset"));
        // seconds; a day at most, so no wait computed from it overflows
        reset = reset == null ? null : Math.max(0, Math.min(reset, MAX_RESET_SECONDS));
        connection.lastStatus().set(status);
        pacer.window().observed(remaining, reset);
        meter.answered(connectionName, in.getHeader(Exchange.HTTP_METHOD, String.class), path, status, remaining);
        if (status == 429) {
            int waits = call.rateLimited();
            if (waits <= MAX_RATE_LIMIT_WAITS) {
                // the reset of an exhausted window; without one, exponential backoff with jitter
                long millis = reset != null && (remaining == null || remaining <= 0) ? reset * 1000
                        : Math.min(30_000, 250L << Math.min(waits, 7)) + (long) (Math.random() * 250);
                if (!hold(connectionName, pacer, millis)) {
                    LOG.info("Brevo rate limit reached on connection '{}': waiting {} ms for the window to reset, then sending again", connectionName, millis);
                }
                return;
            }
        } else if (remaining != null && remaining <= 0 && reset != null) {
            hold(connectionName, pacer, reset * 1000);
        }
        call.answered();
        if (status == 201 || status == 204) {
            // created or done, often with no body (POST /v3/contacts/attributes/…): an empty object for brevo-call's unmarshal
            String body = in.getBody(String.class);
            in.setBody(body == null || body.isBlank() ? "{}" : body);
        }
        if (status >= 300) {
            String body = in.getBody(String.class);
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            in.getHeaders().forEach((name, value) -> {
                if (value != null && !name.startsWith("Camel") && !name.equalsIgnoreCase("api-key")) {
                    headers.put(name, value.toString());
                }
            });
            String uri = in.getHeader(Exchange.HTTP_URI, String.class);
            String text = in.getHeader(Exchange.HTTP_RESPONSE_TEXT, String.class);
            if (status >= 400 && status < 500) {
                throw call.refuse(new BrevoRefusal(uri, status, text, headers, body));
            }
            throw new HttpOperationFailedException(uri, status, text, null, headers, body);
        }
    }

    /**
     * x-sib-ratelimit-reset is seconds (Brevo's documentation), but a client that waits whatever it is told can stop
     * for an hour on one odd header: a wait above brevo.max-rate-wait waits that long, then the request goes again and
     * Brevo's answer says anew how long is left. Answers whether the wait was cut short.
     */
    private boolean hold(String connection, Pacer pacer, long millis) {
        boolean capped = millis > maxRateWaitMillis;
        if (capped) {
            LOG.warn("Brevo asks connection '{}' to wait {} for its rate limit (x-sib-ratelimit-reset), more than brevo.max-rate-wait: waiting {}, "
                    + "then trying again", connection, Duration.ofMillis(millis), Duration.ofMillis(maxRateWaitMillis));
        }
        pacer.holdFor(Math.min(millis, maxRateWaitMillis));
        return capped;
    }

    /** After the circuit breaker, which drops the refusals it ignores: a refused request fails here, for the caller. */
    public void refused(Exchange exchange) throws BrevoRefusal {
        exchange.getProperty("brevoCall", BrevoCall.class).throwRefusal();
    }

    private static Long number(Object header) {
        try {
            return header == null ? null : Long.valueOf(header.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
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
            throw new StartupFailure("Brevo connection '" + name + "': cannot read its API key file " + file + " (" + e.getClass().getSimpleName()
                    + "): check " + "brevo.connection." + name + ".api-key-file");
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
