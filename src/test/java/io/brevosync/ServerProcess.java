package io.brevosync;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A jar of this build started as users start it ({@code java -jar}, in its own JVM, with only the environment
 * given), its output in a log file: the route server (target/brevo-segment-sync.jar) or the sandbox
 * (target/brevo-sandbox.jar). Built by {@code mvn package}; the *IT tests run after it.
 */
final class ServerProcess implements AutoCloseable {

    static final Path SERVER_JAR = Path.of(System.getProperty("server.jar", "target/brevo-segment-sync.jar"));
    static final Path SANDBOX_JAR = Path.of(System.getProperty("sandbox.jar", "target/brevo-sandbox.jar"));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;

    private ServerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java [jvmOptions] -jar jar [args]} with exactly the environment given (plus PATH and HOME). */
    static ServerProcess start(Path jar, Map<String, String> env, List<String> jvmOptions, List<String> args, Path log) throws IOException {
        // the C1 compiler only: a test's JVM lives seconds to a minute and starts faster without C2 (StartupFailureIT: 37 s to 31 s)
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> !name.equals("PATH") && !name.equals("HOME"));
        environment.putAll(env);
        return new ServerProcess(builder.start(), log);
    }

    /** Waits for the process to end; answers its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + "; its output:\n" + log());
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    void awaitLog(String text, Duration timeout) throws InterruptedException {
        TestServer.await("'" + text + "' in " + log, timeout, () -> {
            if (!process.isAlive() && !log().contains(text)) {
                throw new AssertionError("the process ended (" + process.exitValue() + ") without logging '" + text + "':\n" + log());
            }
            return log().contains(text);
        });
    }

    /** Waits until GET {url} answers 200. */
    void awaitUp(String url) throws InterruptedException {
        TestServer.await(url + " answering (log " + log + ")", Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the process ended (" + process.exitValue() + "):\n" + log());
            }
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
    }

    /** The TCP ports this process listens on (its socket descriptors matched with /proc/net/tcp and tcp6). */
    Set<Integer> listeningPorts() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", String.valueOf(pid()), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed while listing
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                String[] f = line.trim().split("\\s+");
                // f[1] local address:port (hex), f[3] state (0A = LISTEN), f[9] inode
                if (f[3].equals("0A") && inodes.contains(f[9])) {
                    ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }

    /** SIGKILL: no shutdown hook, no graceful stop. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then waits for the process to end; answers its exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        return awaitExit(Duration.ofSeconds(60));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
