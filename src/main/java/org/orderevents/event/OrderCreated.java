package org.orderevents.event;

import java.math.BigDecimal;
import java.util.List;

public record OrderCreated(String orderId, String userId, List<OrderItem> items, BigDecimal total, String status,
        String createdAt) implements OrderEvent {

    public static final String TYPE = "order.created";
}
