package org.orderevents;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The consumer groups that the route files declare: {@code from: kafka:<topic>} with a {@code groupId} parameter. */
final class RouteGroups {

    private RouteGroups() {
    }

    static Map<String, TestBroker.Group> read(Path routes) {
        Map<String, Set<String>> topics = new TreeMap<>();
        Map<String, Integer> members = new TreeMap<>();
        try (Stream<Path> files = Files.list(routes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList()) {
                Object document = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
                if (!(document instanceof List<?> items)) {
                    continue;
                }
                for (Object item : items) {
                    if (item instanceof Map<?, ?> node && node.get("route") instanceof Map<?, ?> route
                            && route.get("from") instanceof Map<?, ?> from && from.get("uri") instanceof String uri
                            && uri.startsWith("kafka:") && from.get("parameters") instanceof Map<?, ?> parameters
                            && parameters.get("groupId") instanceof String group) {
                        topics.computeIfAbsent(group, g -> new TreeSet<>()).add(uri.substring("kafka:".length()));
                        members.merge(group, 1, Integer::sum);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, TestBroker.Group> groups = new TreeMap<>();
        topics.forEach((group, read) -> groups.put(group, new TestBroker.Group(read, members.get(group))));
        return groups;
    }
}
