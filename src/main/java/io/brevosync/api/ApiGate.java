package io.brevosync.api;

import java.util.regex.Pattern;

import io.brevosync.access.AuditLog;
import io.brevosync.access.Caller;
import io.brevosync.access.Users;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * The first handler of every /api request, on Vert.x's router ahead of Camel's (which read the body): a request
 * that is not authenticated, too large or has control characters in its path is answered before one byte of its body
 * is read, and its connection closed, so an unauthenticated request costs a few kilobytes at most. The token is only
 * taken from the Authorization header (never the query string or a form). The caller becomes the request's Vert.x
 * user, which platform-http hands to the routes (ApiAuth); every state-changing call is audited with its answer.
 */
public final class ApiGate implements Handler<RoutingContext> {

    /** a control character, raw or percent-encoded (NUL … US, DEL) */
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f\\x7f]|%[01][0-9a-fA-F]|%7[fF]");

    private final Users users;
    private final AuditLog audit;
    private final long maxBodyBytes;

    public ApiGate(Users users, AuditLog audit, long maxBodyBytes) {
        this.users = users;
        this.audit = audit;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Puts the gate in front of /api on the HTTP server's router, once the server has made it. */
    public static void install(CamelContext context, int port, ApiGate gate) throws Exception {
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // ahead of every route of the router (order): a request that came before it still meets ApiAuth, which refuses it
                VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(started, VertxPlatformHttpRouter.getRouterNameFromPort(port));
                router.route("/api/*").order(-100).handler(gate);
                // the metrics name exports and connections: a scraper sends a token too (health stays open, for probes)
                router.route("/observe/metrics").order(-100).handler(gate);
            }
        });
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (ctx.user() != null) {
            ctx.next(); // passed already (the main and the management server share this router)
            return;
        }
        var request = ctx.request();
        if (CONTROL.matcher(request.uri()).find()) {
            refuse(ctx, 400, "the path or query has a control character");
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        boolean reads = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD || request.method() == HttpMethod.DELETE;
        // reads and deletes take no body; the others small JSON (camel.server.max-body-size bounds a chunked one too)
        long limit = reads ? 0 : maxBodyBytes;
        if (length != null && (!length.matches("\\d{1,18}") || Long.parseLong(length) > limit)
                || reads && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            refuse(ctx, 413, reads ? request.method().name() + " takes no body" : "the body is larger than " + maxBodyBytes + " bytes (api.max-body-bytes)");
            return;
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        Caller caller = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? users.authenticate(authorization.substring(7).trim()) : null;
        if (caller == null) {
            refuse(ctx, 401, "unauthorized: send the header Authorization: Bearer <token>");
            return;
        }
        ctx.setUser(User.create(new JsonObject().put("name", caller.name()).put("role", caller.role().code())));
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            String action = request.method().name() + " " + request.path();
            ctx.addEndHandler(done -> audit.record(caller.name(), action, target(request.path()), ctx.response().getStatusCode(), null));
        }
        ctx.next();
    }

    /** /api/exports/news/runs/7 → exports/news: what the call was about, for the audit's filter */
    private static String target(String path) {
        String[] parts = path.replaceFirst("^/api/", "").split("/");
        return parts.length >= 2 ? parts[0] + "/" + parts[1] : parts[0];
    }

    private static void refuse(RoutingContext ctx, int status, String reason) {
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                // the body, if any, is never read: the connection goes with the answer
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(new JsonObject().put("status", status).put("error", reason).encode());
    }
}
