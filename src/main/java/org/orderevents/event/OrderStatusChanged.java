package org.orderevents.event;

/** {@code userId} is null when the producer left it out; the orders table has the order's user. */
public record OrderStatusChanged(String orderId, String userId, String status, String reason, String updatedAt)
        implements OrderEvent {

    public static final String TYPE = "order.status_changed";
}
