package io.brevosync.brevo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads the CSV report a completed import links to (info.import.*, Brevo since 2026-04). The link is treated as
 * pre-signed: it is fetched with no API key, cookie or any other credential, within its own bounds (a size cap, and
 * one timeout for the whole report, redirect included), following at most one redirect, and only over HTTPS, except
 * to the host of the connection's own base URL when that is plain HTTP (the sandbox, or a proxy the operator set). What it says of a link never shows its query
 * string, which may be the link's signature.
 */
public final class ReportLinks {

    /** A report that could not be had or is not a report: the reason, for the run's warning. */
    public static final class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    private final HttpClient client;
    private final Duration timeout;
    private final long maxBytes;

    public ReportLinks(Duration timeout, long maxBytes) {
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        // no authenticator, no cookie handler, no redirects followed by the client: each hop is checked here
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The report's text, fetched from link for the connection whose base URL is given, within the timeout for both hops. */
    public String fetch(String link, String baseUrl) throws Unreadable {
        try {
            return fetch(allowed(parse(link), baseUrl), baseUrl, System.nanoTime() + timeout.toNanos());
        } catch (IllegalArgumentException e) {
            // a Location or link the HTTP client will not take: a report that cannot be had, not a failed run
            throw new Unreadable("the report link or its redirect is not a usable URL");
        }
    }

    private String fetch(URI first, String baseUrl, long deadline) throws Unreadable {
        URI uri = first;
        for (int hop = 0; ; hop++) {
            HttpResponse<byte[]> answer = get(uri, deadline);
            int status = answer.statusCode();
            if (status >= 300 && status < 400 && answer.headers().firstValue("Location").isPresent()) {
                if (hop == 1) {
                    throw new Unreadable(shown(uri) + " redirected more than once");
                }
                uri = allowed(uri.resolve(answer.headers().firstValue("Location").get()), baseUrl);
                continue;
            }
            if (status != 200) {
                throw new Unreadable(shown(uri) + " answered " + status + (status == 404 || status == 403 ? " (the link has expired or is gone)" : ""));
            }
            String type = answer.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
            if (type.contains("html") || type.contains("json") || type.contains("xml")) {
                throw new Unreadable(shown(uri) + " is not a CSV report (Content-Type " + type + ")");
            }
            return new String(answer.body(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<byte[]> get(URI uri, long deadline) throws Unreadable {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(left)).header("Accept", "text/csv, text/plain, */*").GET().build();
        CompletableFuture<HttpResponse<byte[]>> answer = client.sendAsync(request, info -> new Capped(maxBytes));
        try {
            return answer.get(left, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new Unreadable(shown(uri) + " did not answer within " + timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof java.net.http.HttpTimeoutException) {
                throw new Unreadable(shown(uri) + " did not answer within " + timeout);
            }
            Throwable cause = e.getCause() instanceof IOException && e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause();
            throw new Unreadable(shown(uri) + " could not be read: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreadable(shown(uri) + ": interrupted");
        }
    }

    private static URI parse(String link) throws Unreadable {
        try {
            URI uri = URI.create(link);
            if (uri.getHost() == null) {
                throw new Unreadable("the report link is not an absolute URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new Unreadable("the report link is not a URL");
        }
    }

    /** HTTPS anywhere; plain HTTP only to the connection's own base host, when that is itself reached over plain HTTP. */
    private static URI allowed(URI uri, String baseUrl) throws Unreadable {
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
        URI base = URI.create(baseUrl);
        boolean ownPlainHost = uri.getHost() != null && uri.getHost().equalsIgnoreCase(base.getHost()) && "http".equalsIgnoreCase(base.getScheme());
        if (uri.getHost() == null || !scheme.equals("https") && !(scheme.equals("http") && ownPlainHost)) {
            throw new Unreadable(shown(uri) + " is refused: a report is fetched over HTTPS only (plain HTTP only from the connection's own host)");
        }
        return uri;
    }

    /** The link as logs and warnings show it: without its query string or any user information. */
    static String shown(URI uri) {
        return "report " + uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** Keeps the body in memory up to the cap; past it the download is cancelled and fails. */
    private static final class Capped implements HttpResponse.BodySubscriber<byte[]> {
        private final long max;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Capped(long max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription value) {
            subscription = value;
            value.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (body.size() + buffer.remaining() > max) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("larger than " + max + " bytes"));
                    return;
                }
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                body.write(bytes, 0, bytes.length);
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(body.toByteArray());
        }
    }
}
