package io.brevosync;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * application.properties resolved by Camel's own properties component, as the server reads it, for the commands run
 * without it (user, feed): the context is never started.
 */
public final class Settings {

    private final CamelContext context;

    private Settings(CamelContext context) {
        this.context = context;
    }

    public static Settings read() {
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().addLocation("classpath:application.properties");
        return new Settings(context);
    }

    /** A setting's value ({{env:…}} resolved), or "". */
    public String get(String key) {
        return context.getPropertiesComponent().resolveProperty(key).map(String::trim).orElse("");
    }

    /** A text with {{…}} placeholders, such as an export file's parameter, resolved as the server resolves it. */
    public String resolve(String text) {
        return context.resolvePropertyPlaceholders(text).trim();
    }
}
