package io.brevosync;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A test class with one route server for all its tests; the sandbox's faults and request log are reset after each. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerTest {

    protected TestServer server;

    /** The server this class tests against, with its settings. */
    protected abstract TestServer startServer() throws Exception;

    @BeforeAll
    final void startOnce() throws Exception {
        server = startServer();
    }

    @AfterAll
    final void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    final void resetSandbox() {
        server.resetSandbox();
    }
}
