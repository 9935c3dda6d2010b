package org.orderevents.retry;

import org.apache.camel.Exchange;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The retry policies of the routes, each read once from its text: a route file's {@code retries} parameter, or the
 * {@code retry.policy} header of a copy on a retry topic. What a text leaves out keeps the defaults ({@code retry.*}).
 */
public final class RetryPolicies {

    private final RetryPolicy defaults;
    private final Map<String, RetryPolicy> policies = new ConcurrentHashMap<>();

    public RetryPolicies(RetryPolicy defaults) {
        this.defaults = defaults;
    }

    /** The policy a route file writes; blank keeps the defaults. */
    public RetryPolicy of(String retries) {
        return retries == null || retries.isBlank() ? defaults : policies.computeIfAbsent(retries, defaults::with);
    }

    /** The policy of a record: its route's, else the one its retry copy carries, else the defaults. */
    public RetryPolicy of(Exchange record) {
        RetryPolicy routes = record.getProperty(RetryPolicy.PROPERTY, RetryPolicy.class);
        if (routes != null) {
            return routes;
        }
        String text = record.getMessage().getHeader(RetryTopics.POLICY, String.class);
        return text == null ? defaults : of(text);
    }
}
