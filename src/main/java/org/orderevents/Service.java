package org.orderevents;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The services a process can run (the setting {@code services}), each with the route files of its flow in
 * {@code routes/}. Route files that no service names (a user's new one) run in every process.
 */
public enum Service {

    /** The HTTP API: orders in, the read endpoints, the dead letters API, the live view. */
    ORDERS_API("orders-api", List.of("orders-api", "dead-letters-api", "live-view")),
    EMAIL("email-service", List.of("email-service")),
    INVENTORY("inventory-service", List.of("inventory-service")),
    ANALYTICS("analytics-service", List.of("analytics-service")),
    ORDER("order-service", List.of("order-service"));

    /** Shared route files: the batch consumers' templates, and the relay of the event outbox. */
    static final String EVENT_BATCHES = "event-batches";
    static final String EVENT_OUTBOX = "event-outbox";

    private final String id;
    private final List<String> routeFiles;

    Service(String id, List<String> routeFiles) {
        this.id = id;
        this.routeFiles = routeFiles;
    }

    /** Its name in the setting {@code services}; for a consumer, also its group and its processor name. */
    public String id() {
        return id;
    }

    /** Its route files, without the {@code .camel.yaml} suffix. */
    public List<String> routeFiles() {
        return routeFiles;
    }

    /** Consumes through the batch templates of {@code event-batches.camel.yaml}. */
    public boolean consumesInBatches() {
        return this != ORDERS_API;
    }

    /** Writes records into the event outbox, so its process runs the outbox's relay. */
    public boolean publishesThroughOutbox() {
        return this == ORDERS_API || this == INVENTORY || this == ORDER;
    }

    /** Consumes a topic, so it claims event ids in {@code processed_events} under its name. */
    public boolean consumes() {
        return this != ORDERS_API;
    }

    public static Optional<Service> byId(String id) {
        return Arrays.stream(values()).filter(service -> service.id.equals(id)).findFirst();
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(Service::id).toList();
    }
}
