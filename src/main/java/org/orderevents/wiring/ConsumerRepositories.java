package org.orderevents.wiring;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.StartupListener;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.orderevents.db.ProcessedEvents;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * At start-up, before any route consumes: every batch consumer's group has an idempotent repository of that processor
 * name, and every repository a consumer; else the start fails, naming the route and the group.
 */
final class ConsumerRepositories implements StartupListener {

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        if (!alreadyStarted) {
            check(context);
        }
    }

    static void check(CamelContext context) {
        Map<String, List<String>> routesByGroup = new TreeMap<>();
        for (Route route : context.getRoutes()) {
            if (route.getEndpoint() instanceof KafkaEndpoint kafka && kafka.getConfiguration().isBatching()) {
                routesByGroup.computeIfAbsent(kafka.getConfiguration().getGroupId(), g -> new ArrayList<>()).add(route.getRouteId());
            }
        }
        Map<String, String> repositories = new TreeMap<>();
        context.getRegistry().findByTypeWithName(ProcessedEvents.class)
                .forEach((name, repository) -> repositories.put(repository.processorName(), name));
        List<String> problems = new ArrayList<>();
        routesByGroup.forEach((group, routes) -> {
            if (!repositories.containsKey(group)) {
                problems.add("route " + String.join(", ", routes) + " consumes as group " + group
                        + " but no idempotent repository has that processor name (register the service in Service.java)");
            }
        });
        Set<String> groups = new TreeSet<>(routesByGroup.keySet());
        repositories.forEach((processor, bean) -> {
            if (!groups.contains(processor)) {
                problems.add("the idempotent repository " + bean + " (processor " + processor + ") has no route consuming as group "
                        + processor + " (routes consuming in batches: " + (groups.isEmpty() ? "none" : String.join(", ", groups)) + ")");
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.stream().collect(Collectors.joining("; ")));
        }
    }
}
