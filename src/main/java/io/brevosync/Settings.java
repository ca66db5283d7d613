package io.brevosync;

import java.util.function.Function;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;

/** application.properties resolved by Camel's own properties component, as the server reads it, for the commands run without it. */
public final class Settings {

    private Settings() {
    }

    /** A setting's value ({{env:…}} resolved), or "" (the context is never started). */
    public static Function<String, String> read() {
        PropertiesComponent properties = new DefaultCamelContext().getPropertiesComponent();
        properties.addLocation("classpath:application.properties");
        return key -> properties.resolveProperty(key).map(String::trim).orElse("");
    }
}
