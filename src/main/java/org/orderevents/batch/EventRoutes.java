package org.orderevents.batch;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.support.service.ServiceHelper;
import org.orderevents.db.ProcessedEvents;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a batch looks up in the Camel context once and keeps: a started producer of each event route, and the idempotent
 * repository of each consumer group (processor name = group id).
 */
final class EventRoutes {

    private final CamelContext context;
    private final Map<String, AsyncProducer> routes = new ConcurrentHashMap<>();
    private final Map<String, Optional<ProcessedEvents>> repositories = new ConcurrentHashMap<>();

    EventRoutes(CamelContext context) {
        this.context = context;
    }

    /**
     * The producer of the event route; a route file naming an event route that does not exist fails here, before
     * anything is processed, and the error names the route.
     */
    AsyncProducer route(String uri) throws Exception {
        AsyncProducer route = routes.get(uri);
        if (route == null) {
            Endpoint endpoint = context.getEndpoint(uri);
            if (context.getRoutes().stream().noneMatch(r -> r.getEndpoint() == endpoint)) {
                throw new IllegalStateException("no route consumes " + uri + ", the event route named in the batch "
                        + "route's eventBatch step: check the route files");
            }
            route = endpoint.createAsyncProducer();
            ServiceHelper.startService(route);
            AsyncProducer raced = routes.putIfAbsent(uri, route);
            if (raced != null) {
                ServiceHelper.stopService(route);
                route = raced;
            }
        }
        return route;
    }

    /** The idempotent repository of the consumer group, if there is one. */
    ProcessedEvents repository(String group) {
        return repositories.computeIfAbsent(group, g -> context.getRegistry().findByType(ProcessedEvents.class).stream()
                .filter(repository -> repository.processorName().equals(g)).findFirst()).orElse(null);
    }

    void stop() {
        ServiceHelper.stopService(routes.values());
        routes.clear();
    }
}
