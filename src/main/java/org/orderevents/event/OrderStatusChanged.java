package org.orderevents.event;

public record OrderStatusChanged(String orderId, String userId, String status, String reason, String updatedAt)
        implements OrderEvent {

    public static final String TYPE = "order.status_changed";
}
