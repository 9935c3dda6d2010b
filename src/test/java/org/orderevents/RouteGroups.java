package org.orderevents;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        List<Map<?, ?>> routeNodes = new ArrayList<>();
        Map<String, Map<?, ?>> templates = new TreeMap<>();
        List<Map<?, ?>> templated = new ArrayList<>();
        try (Stream<Path> files = Files.list(routes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList()) {
                Object document = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
                if (!(document instanceof List<?> items)) {
                    continue;
                }
                for (Object item : items) {
                    if (item instanceof Map<?, ?> node && node.get("route") instanceof Map<?, ?> route) {
                        routeNodes.add(route);
                    } else if (item instanceof Map<?, ?> node && node.get("routeTemplate") instanceof Map<?, ?> template) {
                        templates.put(String.valueOf(template.get("id")), template);
                    } else if (item instanceof Map<?, ?> node && node.get("templatedRoute") instanceof Map<?, ?> route) {
                        templated.add(route);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // a templated route: its template's route, with the template's parameters put in
        for (Map<?, ?> route : templated) {
            Map<?, ?> template = templates.get(String.valueOf(route.get("routeTemplateRef")));
            if (template != null && template.get("route") instanceof Map<?, ?> body) {
                Map<String, String> values = new TreeMap<>();
                for (Object parameter : (List<?>) template.get("parameters")) {
                    Map<?, ?> p = (Map<?, ?>) parameter;
                    values.put(String.valueOf(p.get("name")), String.valueOf(p.get("defaultValue")));
                }
                for (Object parameter : (List<?>) route.get("parameters")) {
                    Map<?, ?> p = (Map<?, ?>) parameter;
                    values.put(String.valueOf(p.get("name")), String.valueOf(p.get("value")));
                }
                routeNodes.add(Map.of("from", Map.of("uri", fill(((Map<?, ?>) body.get("from")).get("uri"), values),
                        "parameters", Map.of("groupId", fill(((Map<?, ?>) ((Map<?, ?>) body.get("from")).get("parameters"))
                                .get("groupId"), values)))));
            }
        }
        for (Map<?, ?> route : routeNodes) {
            if (route.get("from") instanceof Map<?, ?> from && from.get("uri") instanceof String uri
                    && uri.startsWith("kafka:") && from.get("parameters") instanceof Map<?, ?> parameters
                    && parameters.get("groupId") instanceof String group) {
                topics.computeIfAbsent(group, g -> new TreeSet<>()).add(uri.substring("kafka:".length()));
                members.merge(group, 1, Integer::sum);
            }
        }
        Map<String, TestBroker.Group> groups = new TreeMap<>();
        topics.forEach((group, read) -> groups.put(group, new TestBroker.Group(read, members.get(group))));
        return groups;
    }

    /** A template's text with its {{parameters}} put in. */
    private static String fill(Object text, Map<String, String> values) {
        String filled = String.valueOf(text);
        for (Map.Entry<String, String> value : values.entrySet()) {
            filled = filled.replace("{{" + value.getKey() + "}}", value.getValue());
        }
        return filled;
    }
}
