package io.brevosync.bench;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Import bodies of about 8 MB filled item by item and POSTed to /v3/contacts/import on a thread of their own, one in
 * flight, while the caller goes on filling the next: how a streaming client overlaps reading with sending. A 429 is
 * sent again at once (the sandbox's General-plan limits apply).
 */
final class ImportPoster implements AutoCloseable {

    private static final int MAX_BYTES = 7_999_000;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String importUrl;
    private final String key;
    private final byte[] head;
    private final ExecutorService sender = Executors.newSingleThreadExecutor();
    private ByteArrayOutputStream body = new ByteArrayOutputStream(MAX_BYTES + 100_000);
    private int items;
    private Future<?> inFlight;

    ImportPoster(String sandboxRoot, String key) {
        this(sandboxRoot, key, 1);
    }

    ImportPoster(String sandboxRoot, String key, long listId) {
        this.importUrl = sandboxRoot + "/v3/contacts/import";
        this.key = key;
        this.head = ("{\"listIds\":[" + listId + "],\"jsonBody\":[").getBytes(StandardCharsets.UTF_8);
    }

    /** One jsonBody item (a JSON object); a full body is sent first. */
    void add(byte[] item, int length) throws Exception {
        if (items > 0 && body.size() + length + 3 > MAX_BYTES) {
            send();
        }
        if (items == 0) {
            body.write(head);
        } else {
            body.write(',');
        }
        body.write(item, 0, length);
        items++;
    }

    /** Sends what is left and waits for every POST to be answered. */
    void finish() throws Exception {
        if (items > 0) {
            send();
        }
        if (inFlight != null) {
            inFlight.get();
        }
    }

    private void send() throws Exception {
        body.write(']');
        body.write('}');
        byte[] request = body.toByteArray();
        body = new ByteArrayOutputStream(MAX_BYTES + 100_000);
        items = 0;
        if (inFlight != null) {
            inFlight.get();
        }
        inFlight = sender.submit(() -> {
            HttpResponse<String> answer;
            do {
                answer = HTTP.send(HttpRequest.newBuilder(URI.create(importUrl)).header("api-key", key).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofString());
            } while (answer.statusCode() == 429);
            if (answer.statusCode() != 202) {
                throw new IllegalStateException("sandbox answered " + answer.statusCode() + ": " + answer.body());
            }
            return null;
        });
    }

    @Override
    public void close() {
        sender.shutdownNow();
    }
}
