package io.brevosync.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local stand-in for the parts of https://api.brevo.com/v3 the exporter uses: contacts import, processes, lists and
 * list membership, contacts and attributes; with api-key checking, Brevo's rate limits and headers, the 10 MB body
 * limit, and fault switches. Admin and inspection endpoints live under /sandbox (not Brevo's). Runs alone through
 * {@link #main(String[])} or embedded in the route server and in tests.
 */
public final class BrevoSandbox implements AutoCloseable {

    /** Brevo's hard limit for an import body. */
    public static final int MAX_BODY_BYTES = 10 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBER = Pattern.compile("\\d{1,18}");

    private final HttpServer server;
    private final ExecutorService workers;
    private final Map<String, SandboxAccount> accountsByKey = new ConcurrentHashMap<>();
    private final Map<String, SandboxAccount> accountsByName = new ConcurrentHashMap<>();
    private final Faults faults = new Faults();
    private final RequestLog requests = new RequestLog();
    private final Clock clock = Clock.systemUTC();
    private final ImportReports reports = new ImportReports(clock, () -> "http://localhost:" + port());
    private volatile Inspector inspector;
    private final HttpClient notifyClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public BrevoSandbox(String host, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "brevo-sandbox");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    public BrevoSandbox start() {
        server.start();
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        accountsByName.values().forEach(SandboxAccount::shutdown);
    }

    /** Adds an account (one API key, its own data and rate limits). */
    public SandboxAccount addAccount(String name, String apiKey, RateLimits limits) {
        SandboxAccount account = new SandboxAccount(name, apiKey, limits, faults, reports, clock);
        if (accountsByKey.putIfAbsent(apiKey, account) != null || accountsByName.putIfAbsent(name, account) != null) {
            throw new IllegalArgumentException("sandbox account " + name + " or its key is already configured");
        }
        return account;
    }

    public SandboxAccount account(String name) {
        SandboxAccount account = accountsByName.get(name);
        if (account == null) {
            throw new IllegalArgumentException("no sandbox account named " + name);
        }
        return account;
    }

    /** Sees every /v3 exchange (tests use it to check requests and answers against Brevo's OpenAPI definition). */
    public interface Inspector {
        void inspect(String method, String path, String query, Map<String, String> headers, byte[] body, int status, Object answer);
    }

    public void inspector(Inspector value) {
        inspector = value;
    }

    public Faults faults() {
        return faults;
    }

    /** How completed imports report what they did not take (links to CSV reports, or the older counters). */
    public ImportReports reports() {
        return reports;
    }

    public RequestLog requests() {
        return requests;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URL a Brevo client uses, like https://api.brevo.com/v3. */
    public String baseUrl() {
        return "http://localhost:" + port() + "/v3";
    }

    // ---- HTTP ----

    /**
     * The admin endpoints change the sandbox: a page of another site must not reach them from a browser. A request
     * from another origin is refused, and so is a body that is not JSON (the only kind a page can send without asking).
     */
    private static String crossSite(HttpExchange http, byte[] body) {
        String origin = http.getRequestHeaders().getFirst("Origin");
        if (origin != null && !origin.matches("https?://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?")) {
            return "the sandbox's admin endpoints refuse requests from other origins (" + origin + ")";
        }
        String type = http.getRequestHeaders().getFirst("Content-Type");
        if (body.length > 0 && (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json"))) {
            return "the sandbox's admin endpoints take JSON bodies only (Content-Type: application/json)";
        }
        return null;
    }

    private void handle(HttpExchange http) throws IOException {
        String path = http.getRequestURI().getRawPath();
        Answer answer;
        SandboxAccount account = null;
        long bodyBytes = 0;
        byte[] requestBody = new byte[0];
        String endpoint = http.getRequestMethod() + " " + path;
        try {
            // the body is always read first: answering before it is consumed resets the client's connection
            byte[] body = readBody(http);
            bodyBytes = body.length;
            requestBody = body;
            String refusal = path.startsWith("/sandbox") ? crossSite(http, body) : null;
            if (path.startsWith(ImportReports.PATH) && http.getRequestMethod().equals("GET")) {
                // a report link: like a pre-signed link, no api-key
                sendReport(http, path);
                return;
            }
            if (refusal != null) {
                answer = new Answer(403, errorBody("forbidden", refusal));
            } else if (path.startsWith("/sandbox")) {
                answer = admin(http.getRequestMethod(), path.substring("/sandbox".length()), query(http), body);
            } else if (path.startsWith("/v3/")) {
                account = accountsByKey.get(String.valueOf(http.getRequestHeaders().getFirst("api-key")));
                if (account == null) {
                    answer = new Answer(401, errorBody("unauthorized", "Key not found"));
                } else {
                    Route route = route(http.getRequestMethod(), path);
                    endpoint = route.endpoint;
                    RateLimits.Decision rate = account.limits.acquire(path.startsWith("/v3/contacts"), clock.millis());
                    rateHeaders(http, rate);
                    Faults.Action fault = faults.draw();
                    pause(faults.latency());
                    if (!rate.allowed() || fault == Faults.Action.TOO_MANY_REQUESTS) {
                        // as Brevo does: nothing left in the window, and when it resets (a fault stands for the per-second limit)
                        http.getResponseHeaders().set("x-sib-ratelimit-remaining", "0");
                        if (rate.allowed()) {
                            http.getResponseHeaders().set("x-sib-ratelimit-reset", "1");
                        }
                        answer = new Answer(429, errorBody("too_many_requests", "The rate limit of this API key has been reached"));
                    } else if (fault == Faults.Action.DROP) {
                        requests.add(new RequestLog.Entry(clock.instant().toString(), account.name, http.getRequestMethod(), path, endpoint, 0, bodyBytes));
                        throw new DroppedConnection();
                    } else if (fault != Faults.Action.NONE) {
                        int status = fault == Faults.Action.SERVER_ERROR ? 500 : 503;
                        answer = new Answer(status, errorBody("internal_error", "Sandbox fault switch: " + status));
                    } else {
                        answer = v3(account, route, query(http), body);
                    }
                }
            } else {
                answer = new Answer(404, errorBody("document_not_found", "Not a Brevo v3 path: " + path));
            }
        } catch (DroppedConnection e) {
            throw e;
        } catch (BrevoError e) {
            answer = new Answer(e.status(), e.body());
        } catch (IllegalArgumentException e) {
            answer = new Answer(400, errorBody("bad_request", String.valueOf(e.getMessage())));
        } catch (RuntimeException e) {
            answer = new Answer(500, errorBody("internal_error", String.valueOf(e)));
        }
        requests.add(new RequestLog.Entry(clock.instant().toString(), account == null ? null : account.name, http.getRequestMethod(), path, endpoint,
                answer.status, bodyBytes));
        Inspector watching = inspector;
        if (watching != null && path.startsWith("/v3/")) {
            Map<String, String> headers = new LinkedHashMap<>();
            http.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            watching.inspect(http.getRequestMethod(), path, http.getRequestURI().getRawQuery(), headers, requestBody, answer.status, answer.body);
        }
        send(http, answer);
    }

    private byte[] readBody(HttpExchange http) throws IOException {
        try (InputStream in = http.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                // read the rest before answering: a client still writing would see its connection reset, not the 400
                long rest = in.transferTo(OutputStream.nullOutputStream());
                throw tooLarge(body.length + rest);
            }
            return body;
        }
    }

    private static BrevoError tooLarge(long size) {
        return BrevoError.badRequest("Maximum allowed file body size is 10MB (got " + size
                + " bytes); we recommend a safe limit of around 8 MB");
    }

    private record Route(String endpoint, Matcher matcher) {
    }

    private static final Map<String, Pattern> ROUTES = new LinkedHashMap<>();

    static {
        for (String endpoint : new String[] {"POST /v3/contacts/import", "GET /v3/processes", "GET /v3/processes/{id}",
                "GET /v3/contacts/lists", "POST /v3/contacts/lists", "GET /v3/contacts/lists/{id}",
                "GET /v3/contacts/lists/{id}/contacts", "POST /v3/contacts/lists/{id}/contacts/add",
                "POST /v3/contacts/lists/{id}/contacts/remove", "GET /v3/contacts/attributes",
                "POST /v3/contacts/attributes/{category}/{identifier}", "POST /v3/contacts",
                "GET /v3/contacts/{identifier}"}) {
            ROUTES.put(endpoint, Pattern.compile("^" + endpoint.replace("{id}", "(\\d+)").replace("{identifier}", "([^/]+)").replace("{category}", "([^/]+)")
                    + "/?$"));
        }
    }

    private static Route route(String method, String path) {
        for (Map.Entry<String, Pattern> e : ROUTES.entrySet()) {
            Matcher m = e.getValue().matcher(method + " " + path);
            if (m.matches()) {
                return new Route(e.getKey(), m);
            }
        }
        throw new BrevoError(404, "document_not_found", "Not simulated by the Brevo sandbox: " + method + " " + path);
    }

    private Answer v3(SandboxAccount account, Route route, Map<String, String> query, byte[] body) throws IOException {
        Matcher m = route.matcher;
        int limit = intParam(query, "limit", route.endpoint.endsWith("/contacts") ? 50 : 10);
        int offset = intParam(query, "offset", 0);
        boolean ascending = "asc".equals(query.get("sort"));
        switch (route.endpoint) {
            case "POST /v3/contacts/import":
                return new Answer(202, Map.of("processId", account.importContacts(json(body), this::notify)));
            case "GET /v3/processes":
                return new Answer(200, account.processes(limit, offset, ascending));
            case "GET /v3/processes/{id}":
                return new Answer(200, account.process(Long.parseLong(m.group(1))));
            case "GET /v3/contacts/lists":
                return new Answer(200, account.lists(limit, offset, ascending));
            case "POST /v3/contacts/lists": {
                JsonNode request = json(body);
                if (!request.hasNonNull("name") || !request.hasNonNull("folderId")) {
                    throw new BrevoError(400, "missing_parameter", "name and folderId are mandatory");
                }
                return new Answer(201, Map.of("id", account.createList(request.get("name").asText(), request.get("folderId").asLong())));
            }
            case "GET /v3/contacts/lists/{id}":
                return new Answer(200, account.listDetails(Long.parseLong(m.group(1))));
            case "GET /v3/contacts/lists/{id}/contacts":
                return new Answer(200, account.listContacts(Long.parseLong(m.group(1)), limit, offset, ascending, query.get("modifiedSince")));
            case "POST /v3/contacts/lists/{id}/contacts/add":
            case "POST /v3/contacts/lists/{id}/contacts/remove":
                return new Answer(201, account.changeMembership(Long.parseLong(m.group(1)), json(body), route.endpoint.endsWith("add")));
            case "GET /v3/contacts/attributes":
                return new Answer(200, account.attributes());
            case "POST /v3/contacts/attributes/{category}/{identifier}":
                account.createAttribute(m.group(1), URLDecoder.decode(m.group(2), StandardCharsets.UTF_8), json(body));
                return new Answer(201, null);
            case "POST /v3/contacts": {
                Long id = account.createContact(json(body));
                return id == null ? new Answer(204, null) : new Answer(201, Map.of("id", id));
            }
            default:
                return new Answer(200, account.contact(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8), query.get("identifierType")));
        }
    }

    private Answer admin(String method, String path, Map<String, String> query, byte[] body) throws IOException {
        String[] parts = path.replaceAll("^/|/$", "").split("/");
        switch (method + " " + parts[0]) {
            case "GET ":
                List<Map<String, Object>> accounts = new ArrayList<>();
                accountsByName.values().forEach(a -> accounts.add(Map.of("name", a.name, "contacts", a.contactCount(),
                        "lists", a.lists(50, 0, true).get("lists"))));
                return new Answer(200, Map.of("baseUrl", baseUrl(), "accounts", accounts, "faults", faults.toJson()));
            case "GET faults":
                return new Answer(200, faults.toJson());
            case "PUT faults":
                faults.update(json(body));
                return new Answer(200, faults.toJson());
            case "GET reports":
                return new Answer(200, reports.toJson());
            case "PUT reports":
                reports.update(json(body));
                return new Answer(200, reports.toJson());
            case "DELETE faults":
                faults.clear();
                return new Answer(200, faults.toJson());
            case "GET requests": {
                List<RequestLog.Entry> entries = requests.entries();
                int limit = intParam(query, "limit", 100);
                return new Answer(200, Map.of("requests", entries.subList(Math.max(0, entries.size() - limit), entries.size()),
                        "counters", requests.counters()));
            }
            case "DELETE requests":
                requests.clear();
                return new Answer(200, Map.of("cleared", true));
            case "POST reset":
                accountsByName.values().forEach(SandboxAccount::reset);
                requests.clear();
                faults.clear();
                reports.clear();
                return new Answer(200, Map.of("reset", true));
            default:
                return adminAccount(method, parts, body);
        }
    }

    /**
     * /sandbox/accounts/{name}/lists[/{id}/members], /sandbox/accounts/{name}/attributes, GET …/processes (each with when
     * it was received and ended) and DELETE …/processes (Brevo lost them).
     */
    private Answer adminAccount(String method, String[] parts, byte[] body) throws IOException {
        if (parts.length < 3 || !parts[0].equals("accounts")) {
            throw new BrevoError(404, "document_not_found", "Unknown sandbox admin path");
        }
        SandboxAccount account = account(parts[1]);
        String resource = method + " " + parts[2] + (parts.length > 3 ? "/{id}" : "") + (parts.length > 4 ? "/" + parts[4] : "");
        switch (resource) {
            case "POST lists": {
                JsonNode request = json(body);
                return new Answer(201, Map.of("id", account.createList(request.path("name").asText("List"), request.path("folderId").asLong(1))));
            }
            case "DELETE processes":
                return new Answer(200, Map.of("forgotten", account.forgetProcesses()));
            case "GET processes":
                return new Answer(200, Map.of("processes", account.processInspection()));
            case "GET lists/{id}/members":
                return new Answer(200, Map.of("members", account.members(Long.parseLong(parts[3]))));
            case "POST attributes": {
                JsonNode request = json(body);
                account.defineAttribute(request.path("name").asText(), request.path("type").asText("text"));
                return new Answer(201, account.attributes());
            }
            default:
                throw new BrevoError(404, "document_not_found", "Unknown sandbox admin path");
        }
    }

    private void notify(String url, Map<String, Object> process) {
        try {
            notifyClient.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(process))).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (IOException | IllegalArgumentException e) {
            // Brevo gives up silently on an unreachable notify URL; so does the sandbox
        }
    }

    /** Brevo's errorModel, code first. */
    private static Map<String, Object> errorBody(String code, String message) {
        return new BrevoError(0, code, message).body();
    }

    private static JsonNode json(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new BrevoError(400, "bad_request", "The request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new BrevoError(400, "bad_request", "Invalid JSON body");
        }
    }

    private static Map<String, String> query(HttpExchange http) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = http.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private static int intParam(Map<String, String> query, String name, int defaultValue) {
        String value = query.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (!NUMBER.matcher(value).matches()) {
            throw BrevoError.badRequest(name + " must be a non-negative integer");
        }
        return Integer.parseInt(value);
    }

    private static void rateHeaders(HttpExchange http, RateLimits.Decision rate) {
        http.getResponseHeaders().set("x-sib-ratelimit-limit", String.valueOf(rate.limit()));
        http.getResponseHeaders().set("x-sib-ratelimit-remaining", String.valueOf(rate.remaining()));
        http.getResponseHeaders().set("x-sib-ratelimit-reset", String.valueOf(rate.resetSeconds()));
    }

    private void sendReport(HttpExchange http, String path) throws IOException {
        ImportReports.Served report = reports.serve(path);
        if (report == null) {
            send(http, new Answer(404, errorBody("document_not_found", "The report does not exist or its link has expired")));
            return;
        }
        http.getResponseHeaders().set("Content-Type", report.contentType());
        http.sendResponseHeaders(200, report.body().length);
        http.getResponseBody().write(report.body());
        http.close();
    }

    private static void send(HttpExchange http, Answer answer) throws IOException {
        http.getResponseHeaders().set("sib-request-id", UUID.randomUUID().toString());
        if (answer.body == null) {
            http.sendResponseHeaders(answer.status, -1);
            http.close();
            return;
        }
        int status = answer.status;
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(answer.body);
        } catch (IOException e) {
            status = 500;
            bytes = JSON.writeValueAsBytes(errorBody("internal_error", "sandbox could not write its answer: " + e.getMessage()));
        }
        http.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        http.sendResponseHeaders(status, bytes.length);
        http.getResponseBody().write(bytes);
        http.close();
    }

    static void pause(long millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private record Answer(int status, Object body) {
    }

    /** Escapes the handler so that the JDK server closes the connection with no response. */
    private static final class DroppedConnection extends RuntimeException {
        DroppedConnection() {
            super("dropped by fault switch", null, false, false);
        }
    }

    // ---- running alone ----

    /**
     * {@code java -cp target/brevo-segment-sync.jar io.brevosync.sandbox.BrevoSandbox [--port 8089] [--api-key KEY]
     * [--limits general|advanced|unlimited|RPS/RPH/OTHER_RPH] [--lists N] [--faults JSON] [--reports JSON]}. Without --api-key a
     * random key is made and printed (it is a sandbox key, not a Brevo one); --faults takes the body of PUT /sandbox/faults,
     * --reports that of PUT /sandbox/reports (e.g. {"form":"counters"} for the import counters Brevo answered before 2026-04).
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--port", "8089", "--limits", "general", "--lists", "1",
                "--host", "127.0.0.1"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        String key = options.getOrDefault("--api-key", "sandbox-" + UUID.randomUUID());
        BrevoSandbox sandbox = new BrevoSandbox(options.get("--host"), Integer.parseInt(options.get("--port")));
        SandboxAccount account = sandbox.addAccount("demo", key, RateLimits.parse(options.get("--limits")));
        if (options.containsKey("--faults")) {
            sandbox.faults().update(JSON.readTree(options.get("--faults")));
        }
        if (options.containsKey("--reports")) {
            sandbox.reports().update(JSON.readTree(options.get("--reports")));
        }
        for (int i = 1; i <= Integer.parseInt(options.get("--lists")); i++) {
            account.createList("Sandbox list " + i, 1);
        }
        sandbox.start();
        System.out.printf("Brevo sandbox on %s (account demo, api-key %s, limits %s); admin on http://localhost:%d/sandbox%n",
                sandbox.baseUrl(), key, options.get("--limits"), sandbox.port());
        Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close));
        Thread.currentThread().join();
    }
}
