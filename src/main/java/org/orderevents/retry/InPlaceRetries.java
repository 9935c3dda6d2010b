package org.orderevents.retry;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.orderevents.event.InvalidEventException;

/**
 * The dead letter channel's {@code retryWhile}: a record is retried in place as its route's {@link RetryPolicy} says
 * (a route whose policy is {@code mode=blocking}), each delay set through Camel's {@code CamelRedeliveryDelay} header;
 * an exchange without a route policy (analytics-service) keeps the {@code retry.*} defaults. Camel's redelivery policy
 * is one per error handler, so it cannot carry a policy per route by itself.
 */
public class InPlaceRetries implements Predicate {

    private final RetryPolicy defaults;

    public InPlaceRetries(RetryPolicy defaults) {
        this.defaults = defaults;
    }

    @Override
    public boolean matches(Exchange exchange) {
        if (exchange.getException(InvalidEventException.class) != null) {
            return false;
        }
        RetryPolicy policy = exchange.getProperty(RetryPolicy.PROPERTY, defaults, RetryPolicy.class);
        // Camel has counted the failure just caught: the header numbers the retry that would come next (1 for the first)
        int retry = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 1, Integer.class);
        if (retry > policy.retries()) {
            return false;
        }
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, policy.delayBefore(retry));
        return true;
    }
}
