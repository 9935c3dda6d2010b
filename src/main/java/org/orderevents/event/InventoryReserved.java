package org.orderevents.event;

import java.util.List;

public record InventoryReserved(String orderId, String userId, List<OrderItem> items) implements OrderEvent {

    public static final String TYPE = "inventory.reserved";
}
