package io.brevosync.api;

import java.util.Locale;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * The headers an HTTP answer of the server may carry: the ones its routes set for it (the body's type, a download's
 * file name, the status page's caching), nothing else. Platform-http's own strategy answers with nearly every header
 * of the message, so a request's own headers and query parameters came back in the answer (an unauthenticated request
 * to the status page got its headers echoed), and so did a route's working headers. Requests reach the routes as before.
 */
public final class ResponseHeaders extends HttpHeaderFilterStrategy {

    private static final Set<String> ANSWERED = Set.of("content-type", "content-disposition", "cache-control");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        // (the base strategy also drops Cache-Control, which the status page sets: kept here)
        return !ANSWERED.contains(headerName.toLowerCase(Locale.ROOT));
    }
}
