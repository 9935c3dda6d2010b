package org.orderevents.order;

import org.orderevents.reprocess.Reprocess;
import org.orderevents.wiring.Wiring;

/** The beans of order-service's route file. */
public final class OrderServiceBeans {

    /** Not reprocessed: its state keeps no per-event facts to take out (docs/reprocess.md). */
    public static final Reprocess REPROCESS = Reprocess.refused("it publishes a status change per inventory result, and "
            + "its orders table keeps each order's last status, not the events that made it, so their effects cannot be taken out");

    private OrderServiceBeans() {
    }

    public static void bind(Wiring wiring) {
        wiring.orderBook();
    }
}
