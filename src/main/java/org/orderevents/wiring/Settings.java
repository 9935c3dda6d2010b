package org.orderevents.wiring;

import org.apache.camel.CamelContext;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * The application's keys (application.properties, environment, {@code -D}), read where they are used, each with its
 * default; a value that is not of its key's kind stops the start, naming the key.
 */
public final class Settings {

    private final CamelContext context;

    public Settings(CamelContext context) {
        this.context = context;
    }

    /** The key's value, trimmed, or the default when it is absent or empty; resolved as {@code {{key}}} in a route is. */
    public String text(String key, String defaultValue) {
        String value = context.resolvePropertyPlaceholders("{{" + key + ":}}").trim();
        return value.isEmpty() ? defaultValue : value;
    }

    /** A key without a default: its absence stops the start. */
    public String required(String key) {
        String value = text(key, null);
        if (value == null) {
            throw new IllegalArgumentException(key + " is required (application.properties)");
        }
        return value;
    }

    public int integer(String key, int defaultValue) {
        return (int) number(key, defaultValue);
    }

    public long number(String key, long defaultValue) {
        return parsed(key, defaultValue, Long::parseLong, "a whole number");
    }

    public double decimal(String key, double defaultValue) {
        return parsed(key, defaultValue, Double::parseDouble, "a number");
    }

    private <T> T parsed(String key, T defaultValue, Function<String, T> parse, String kind) {
        String value = text(key, null);
        try {
            return value == null ? defaultValue : parse.apply(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be " + kind + ", not '" + value + "'", e);
        }
    }

    /** An ISO-8601 duration (P14D, PT12H): a wrong value fails the start rather than the first use an hour later. */
    public Duration duration(String key, String defaultValue) {
        String value = text(key, defaultValue);
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be an ISO-8601 duration such as P7D or PT12H, not '" + value + "'", e);
        }
    }
}
