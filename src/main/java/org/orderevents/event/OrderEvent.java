package org.orderevents.event;

/** The data of an event on the {@code orders} or {@code inventory} topic; every event belongs to one order of one user. */
public sealed interface OrderEvent permits OrderCreated, OrderStatusChanged, InventoryReserved, InventoryFailed {

    String orderId();

    String userId();
}
