package org.orderevents.order;

import org.orderevents.wiring.Wiring;

/** The beans of order-service's route file. */
public final class OrderServiceBeans {

    private OrderServiceBeans() {
    }

    public static void bind(Wiring wiring) {
        wiring.orderBook();
    }
}
