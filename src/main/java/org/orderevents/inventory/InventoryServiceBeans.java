package org.orderevents.inventory;

import org.orderevents.Service;
import org.orderevents.order.OrderLifecycle;
import org.orderevents.wiring.Wiring;

/** The beans of inventory-service's route file. */
public final class InventoryServiceBeans {

    private InventoryServiceBeans() {
    }

    public static void bind(Wiring wiring) {
        wiring.bind("lifecycleOfInventoryService", new OrderLifecycle(Service.INVENTORY.id(), wiring.metrics()));
        wiring.bind("stockReservation", new StockReservation(wiring.dataSource()));
    }
}
