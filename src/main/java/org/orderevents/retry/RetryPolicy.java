package org.orderevents.retry;

import java.util.Locale;

/**
 * How a service retries an event that failed for a reason that may pass (an order not known yet, a lock timeout):
 * how many retries, the first delay, its multiplier and the largest delay. {@code parked} (the default) parks the event
 * on {@code <topic>.retry} and holds back only its key; {@code blocking} retries it in place, holding its partition.
 * <p>
 * Written in a route file as the {@code retries} parameter of a service's consumer (template {@code event-batch}), e.g.
 * {@code 'retries=15 delay=100 multiplier=2 max-delay=60000'} (milliseconds); what it leaves out keeps the defaults of
 * {@code retry.*} in application.properties.
 */
public record RetryPolicy(int retries, long delayMs, double multiplier, long maxDelayMs, boolean blocking) {

    /** The exchange property that carries a record's route policy. */
    public static final String PROPERTY = "orderEvents.retryPolicy";

    public RetryPolicy {
        if (retries < 0 || delayMs < 0 || multiplier < 1 || maxDelayMs < delayMs) {
            throw new IllegalArgumentException("a retry policy needs retries >= 0, delay >= 0, multiplier >= 1 and "
                    + "max-delay >= delay, not retries=" + retries + " delay=" + delayMs + " multiplier=" + multiplier
                    + " max-delay=" + maxDelayMs);
        }
    }

    /** The delay before retry number {@code retry} (1 for the first). */
    public long delayBefore(int retry) {
        double delay = delayMs * Math.pow(multiplier, Math.max(0, retry - 1));
        return (long) Math.min(delay, maxDelayMs);
    }

    /** The policy as a route file writes it, which {@link #with} reads back. */
    @Override
    public String toString() {
        return "retries=" + retries + " delay=" + delayMs + " multiplier=" + multiplier + " max-delay=" + maxDelayMs
                + " mode=" + (blocking ? "blocking" : "parked");
    }

    /** This policy with the settings the text names ({@code key=value}, separated by spaces or commas). */
    public RetryPolicy with(String text) {
        int retries = this.retries;
        long delay = delayMs;
        double multiplier = this.multiplier;
        long maxDelay = maxDelayMs;
        boolean blocking = this.blocking;
        for (String setting : text.trim().split("[\\s,]+")) {
            if (setting.isEmpty()) {
                continue;
            }
            String[] pair = setting.split("=", 2);
            String value = pair.length == 2 ? pair[1] : "";
            try {
                switch (pair[0].toLowerCase(Locale.ROOT)) {
                    case "retries" -> retries = Integer.parseInt(value);
                    case "delay" -> delay = Long.parseLong(value);
                    case "multiplier" -> multiplier = Double.parseDouble(value);
                    case "max-delay" -> maxDelay = Long.parseLong(value);
                    case "mode" -> blocking = switch (value) {
                        case "blocking" -> true;
                        case "parked" -> false;
                        default -> throw new IllegalArgumentException("mode must be parked or blocking");
                    };
                    default -> throw new IllegalArgumentException("unknown setting " + pair[0]);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("retry policy '" + text + "': " + e.getMessage()
                        + " (retries, delay, multiplier, max-delay, mode)", e);
            }
        }
        return new RetryPolicy(retries, delay, multiplier, Math.max(maxDelay, delay), blocking);
    }
}
