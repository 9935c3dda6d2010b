package org.orderevents.analytics;

import org.orderevents.reprocess.Reprocess;
import org.orderevents.wiring.Wiring;

/** The beans of analytics-service's route file. */
public final class AnalyticsServiceBeans {

    /** Reprocessed through its event route; OrderTotals takes the orders out of the figures (docs/reprocess.md). */
    public static final Reprocess REPROCESS = Reprocess.of("orders", "direct:analytics-service-event", "orderTotals");

    private AnalyticsServiceBeans() {
    }

    public static void bind(Wiring wiring) {
        wiring.bind("orderTotals", new OrderTotals());
    }
}
