package org.orderevents;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** What one process runs: the setting {@code services}, comma-separated service names; empty or {@code all}: every one. */
public record Services(Set<Service> running) {

    public Services {
        running = Collections.unmodifiableSet(EnumSet.copyOf(running));
    }

    public static Services all() {
        return new Services(EnumSet.allOf(Service.class));
    }

    /** Refuses an unknown name, listing the valid ones, and an empty list. */
    public static Services parse(String setting) {
        String text = setting == null ? "" : setting.trim();
        if (text.isEmpty() || text.equals("all")) {
            return all();
        }
        Set<Service> chosen = EnumSet.noneOf(Service.class);
        List<String> unknown = new ArrayList<>();
        for (String name : text.split(",")) {
            String id = name.trim();
            if (!id.isEmpty()) {
                Service.byId(id).ifPresentOrElse(chosen::add, () -> unknown.add(id));
            }
        }
        if (!unknown.isEmpty() || chosen.isEmpty()) {
            throw new IllegalArgumentException("services: unknown " + (unknown.isEmpty() ? "value '" + text + "'"
                    : "name" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown.stream().map(u -> "'" + u + "'").toList()))
                    + "; valid names: " + String.join(", ", Service.ids()) + " (comma-separated), or all");
        }
        return new Services(chosen);
    }

    public boolean runs(Service service) {
        return running.contains(service);
    }

    public boolean anyConsumesInBatches() {
        return running.stream().anyMatch(Service::consumes);
    }

    public boolean anyPublishesThroughOutbox() {
        return running.stream().anyMatch(Service::publishesThroughOutbox);
    }

    /** The services it runs that can be reprocessed from a point in time. */
    public List<Service> reprocessable() {
        return running.stream().filter(service -> service.reprocess().supported()).toList();
    }

    /** The names under which the services run claim event ids (their consumer groups). */
    public List<String> processorNames() {
        return running.stream().filter(Service::consumes).map(Service::id).toList();
    }

    /** The route files this process must not load: those of the services it does not run, and shared ones none needs. */
    public List<String> excludedRouteFiles() {
        Stream<String> others = EnumSet.complementOf(EnumSet.copyOf(running)).stream().flatMap(s -> s.routeFiles().stream());
        Stream<String> shared = Stream.of(anyConsumesInBatches() ? null : Service.EVENT_BATCHES,
                anyPublishesThroughOutbox() ? null : Service.EVENT_OUTBOX,
                reprocessable().isEmpty() ? Service.REPROCESS_WORKER : null).filter(file -> file != null);
        return Stream.concat(others, shared).toList();
    }

    @Override
    public String toString() {
        return String.join(",", running.stream().map(Service::id).toList());
    }
}
