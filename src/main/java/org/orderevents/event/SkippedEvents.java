package org.orderevents.event;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/** Counts events a service skipped: {@code order_events_skipped_total{service, reason}} on /observe/metrics. */
public class SkippedEvents {

    private final CamelContext context;
    private volatile MeterRegistry registry;

    public SkippedEvents(CamelContext context) {
        this.context = context;
    }

    /** Route step for an event type the service does not handle: skipped and counted, not dead-lettered. */
    public void unhandled(Exchange exchange) {
        count(exchange.getFromRouteId(), "unhandled", 1);
    }

    public void count(String service, String reason, int events) {
        if (events > 0) {
            registry().counter("order_events_skipped", "service", service, "reason", reason).increment(events);
        }
    }

    private MeterRegistry registry() {
        if (registry == null) {
            MeterRegistry found = context.getRegistry().findSingleByType(MeterRegistry.class);
            registry = found != null ? found : Metrics.globalRegistry;
        }
        return registry;
    }
}
