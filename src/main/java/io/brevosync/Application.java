package io.brevosync;

import org.apache.camel.main.Main;

/** Starts the route server: beans from {@link ExportConfiguration}, routes from routes/*.camel.yaml. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        new Main(Application.class).run(args);
    }
}
