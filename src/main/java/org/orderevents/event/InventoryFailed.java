package org.orderevents.event;

import java.util.List;

public record InventoryFailed(String orderId, String userId, List<MissingItem> missing) implements OrderEvent {

    public static final String TYPE = "inventory.failed";

    public record MissingItem(String productId, int requested, int available) {
    }
}
