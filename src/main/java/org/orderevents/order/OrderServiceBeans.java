package org.orderevents.order;

import org.orderevents.reprocess.Reprocess;
import org.orderevents.wiring.Wiring;

/** The beans of order-service's route file. */
public final class OrderServiceBeans {

    /**
     * Its view of the orders, from the orders topic: each order's status is the fold of its history (docs/reprocess.md).
     * Its inventory results are not reprocessed: each one published a status change, which is on the orders topic.
     */
    public static final Reprocess REPROCESS = Reprocess.of("orders", "direct:order-service-event", "orderBook");

    private OrderServiceBeans() {
    }

    public static void bind(Wiring wiring) {
        wiring.orderBook();
    }
}
