package org.orderevents.order;

/** An event or request names an order this service does not know (yet): retried, then dead-lettered, or a 404. */
public class OrderNotFoundException extends RuntimeException {

    public OrderNotFoundException(String orderId) {
        super("unknown order " + orderId);
    }
}
