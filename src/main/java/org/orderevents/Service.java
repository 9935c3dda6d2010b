package org.orderevents;

import org.orderevents.analytics.AnalyticsServiceBeans;
import org.orderevents.api.OrdersApiBeans;
import org.orderevents.email.EmailServiceBeans;
import org.orderevents.inventory.InventoryServiceBeans;
import org.orderevents.order.OrderServiceBeans;
import org.orderevents.reprocess.Reprocess;
import org.orderevents.wiring.ServiceBeans;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The services a process can run (the setting {@code services}): each one registered here, once, by its name, with the
 * route files of its flow in {@code routes/}, what it does with topics, and its beans. Route files that no service
 * names (a user's new one) run in every process.
 */
public enum Service {

    /** The HTTP API: orders in, the read endpoints, the dead letters and reprocess APIs, the live view. */
    ORDERS_API("orders-api", List.of("orders-api", "dead-letters-api", "reprocess-api", "live-view"), Role.PUBLISHES,
            OrdersApiBeans::bind),
    EMAIL("email-service", List.of("email-service"), Role.CONSUMES, EmailServiceBeans::bind, EmailServiceBeans.REPROCESS),
    INVENTORY("inventory-service", List.of("inventory-service"), Role.CONSUMES_AND_PUBLISHES, InventoryServiceBeans::bind, InventoryServiceBeans.REPROCESS),
    ANALYTICS("analytics-service", List.of("analytics-service"), Role.CONSUMES, AnalyticsServiceBeans::bind, AnalyticsServiceBeans.REPROCESS),
    ORDER("order-service", List.of("order-service"), Role.CONSUMES_AND_PUBLISHES, OrderServiceBeans::bind, OrderServiceBeans.REPROCESS),
    // a new service goes above this line
    ;

    /** What a service does with topics, which decides the shared parts its process runs. */
    public enum Role {
        /** Writes records into the event outbox (its process runs the relay), consumes nothing. */
        PUBLISHES,
        /** Consumes through the batch templates of {@code event-batches.camel.yaml}, under its name as group. */
        CONSUMES,
        CONSUMES_AND_PUBLISHES
    }

    /** Shared route files: the batch consumers' templates, and the relay of the event outbox. */
    static final String EVENT_BATCHES = "event-batches";
    static final String EVENT_OUTBOX = "event-outbox";
    /** Shared route file: the worker that runs reprocess runs, in a process of a service that can be reprocessed. */
    static final String REPROCESS_WORKER = "reprocess-worker";

    private final String id;
    private final List<String> routeFiles;
    private final Role role;
    private final ServiceBeans beans;
    private final Reprocess reprocess;

    /** A service that cannot be reprocessed: what it did cannot be taken out (docs/reprocess.md). */
    Service(String id, List<String> routeFiles, Role role, ServiceBeans beans) {
        this(id, routeFiles, role, beans, Reprocess.refused("it has no state a reprocess can take events out of"));
    }

    Service(String id, List<String> routeFiles, Role role, ServiceBeans beans, Reprocess reprocess) {
        this.id = id;
        this.routeFiles = routeFiles;
        this.role = role;
        this.beans = beans;
        this.reprocess = reprocess;
    }

    /** Its name in the setting {@code services}; for a consumer, also its group and its processor name. */
    public String id() {
        return id;
    }

    /** Its route files, without the {@code .camel.yaml} suffix. */
    public List<String> routeFiles() {
        return routeFiles;
    }

    /** Binds the beans its route files call; a consumer's repository is bound before, as {@link #repositoryBean()}. */
    public ServiceBeans beans() {
        return beans;
    }

    /** Whether it can be reprocessed from a point in time, and how; or why not (docs/reprocess.md). */
    public Reprocess reprocess() {
        return reprocess;
    }

    /** Consumes a topic in batches, so it claims event ids in {@code processed_events} under its name. */
    public boolean consumes() {
        return role != Role.PUBLISHES;
    }

    /** Writes records into the event outbox, so its process runs the outbox's relay. */
    public boolean publishesThroughOutbox() {
        return role != Role.CONSUMES;
    }

    /** The name its event route's idempotent consumer gives its repository: {@code processedByEmailService}. */
    public String repositoryBean() {
        StringBuilder name = new StringBuilder("processedBy");
        for (String part : id.split("-")) {
            name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return name.toString();
    }

    public static Optional<Service> byId(String id) {
        return Arrays.stream(values()).filter(service -> service.id.equals(id)).findFirst();
    }

    /** The services that can be reprocessed from a point in time. */
    public static List<Service> reprocessable() {
        return Arrays.stream(values()).filter(service -> service.reprocess.supported()).toList();
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(Service::id).toList();
    }
}
