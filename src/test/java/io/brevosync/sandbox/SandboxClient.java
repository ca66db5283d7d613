package io.brevosync.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A plain HTTP client for the sandbox, as any Brevo client would call it. */
final class SandboxClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String root;
    private final String apiKey;

    SandboxClient(BrevoSandbox sandbox, String apiKey) {
        this.root = "http://localhost:" + sandbox.port();
        this.apiKey = apiKey;
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (apiKey != null) {
            request.header("api-key", apiKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String method, String path, String body, int expectedStatus) throws IOException, InterruptedException {
        HttpResponse<String> response = send(method, path, body);
        if (response.statusCode() != expectedStatus) {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ", expected " + expectedStatus + ": " + response.body());
        }
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    /** Waits until the process has ended and answers it. */
    JsonNode awaitProcess(long id) throws Exception {
        for (int i = 0; i < 4000; i++) {
            JsonNode process = json("GET", "/v3/processes/" + id, null, 200);
            if (!process.get("status").asText().matches("queued|in_process|processing")) {
                return process;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("process " + id + " did not end");
    }
}
