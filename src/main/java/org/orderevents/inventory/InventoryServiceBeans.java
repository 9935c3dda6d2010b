package org.orderevents.inventory;

import org.orderevents.Service;
import org.orderevents.order.OrderLifecycle;
import org.orderevents.reprocess.Reprocess;
import org.orderevents.wiring.Wiring;

/** The beans of inventory-service's route file. */
public final class InventoryServiceBeans {

    /** Not reprocessed: its effects leave the application (docs/reprocess.md). */
    public static final Reprocess REPROCESS = Reprocess.refused("it reserves stock and publishes inventory.reserved / "
            + "inventory.failed per order, and would reserve the stock again and publish results that order-service turns "
            + "into status changes and e-mails");

    private InventoryServiceBeans() {
    }

    public static void bind(Wiring wiring) {
        wiring.bind("lifecycleOfInventoryService", new OrderLifecycle(Service.INVENTORY.id(), wiring.metrics()));
        wiring.bind("stockReservation", new StockReservation(wiring.dataSource()));
    }
}
