package org.orderevents.analytics;

import org.orderevents.wiring.Wiring;

/** The beans of analytics-service's route file. */
public final class AnalyticsServiceBeans {

    private AnalyticsServiceBeans() {
    }

    public static void bind(Wiring wiring) {
        wiring.bind("orderTotals", new OrderTotals());
    }
}
