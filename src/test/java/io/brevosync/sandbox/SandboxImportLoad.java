package io.brevosync.sandbox;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;

/**
 * Measures the sandbox alone: N contacts imported over HTTP in bodies of 40,000, then the time until the list holds
 * them all and the heap they take. Run: {@code mvn test-compile && java -Xmx2g -cp "target/classes:target/test-classes:$(cat cp.txt)"
 * io.brevosync.sandbox.SandboxImportLoad 1000000} (cp.txt from {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}).
 */
public final class SandboxImportLoad {

    private SandboxImportLoad() {
    }

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int perBody = 40_000;
        try (BrevoSandbox sandbox = new BrevoSandbox("localhost", 0).start()) {
            SandboxAccount account = sandbox.addAccount("load", "key-load", RateLimits.unlimited());
            long list = account.createList("Load", 1);
            SandboxClient brevo = new SandboxClient(sandbox, "key-load");
            long bytes = 0;
            long start = System.nanoTime();
            long lastProcess = 0;
            for (int from = 0; from < total; from += perBody) {
                StringBuilder body = new StringBuilder("{\"listIds\":[" + list + "],\"jsonBody\":[");
                for (int i = from; i < Math.min(total, from + perBody); i++) {
                    body.append(i == from ? "" : ",").append("{\"email\":\"customer").append(i).append("@example.com\",\"attributes\":{\"FIRSTNAME\":\"Anna\",")
                            .append("\"LASTNAME\":\"Martin\",\"SMS\":\"+3361").append(String.format("%07d", i)).append("\"}}");
                }
                body.append("]}");
                bytes += body.length();
                HttpResponse<String> response = brevo.send("POST", "/v3/contacts/import", body.toString());
                lastProcess = SandboxClient.JSON.readTree(response.body()).get("processId").asLong();
            }
            double sent = (System.nanoTime() - start) / 1e9;
            brevo.awaitProcess(lastProcess);
            double done = (System.nanoTime() - start) / 1e9;
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf("%d contacts in %d requests (%.1f MB): sent in %.1f s, all in the list after %.1f s (%.0f contacts/s); "
                    + "list holds %d; heap after GC %d MB%n", total, (total + perBody - 1) / perBody, bytes / 1e6, sent, done, total / done,
                    account.members(list).size(), heap / 1_000_000);
        }
    }
}
