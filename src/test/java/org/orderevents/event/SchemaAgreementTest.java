package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documents and the application's reading never disagree: thousands of generated events, each a valid one with one
 * field replaced, removed or added, are read by {@link EventCodec#parse}; every one the schema accepts is read, except
 * for the three rules the documents state in words because JSON Schema cannot (a number finer than a cent, a lone
 * surrogate, a date that does not exist), and each refusal names the field the schema or that rule names.
 */
class SchemaAgreementTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The values a careless or foreign producer puts in a field. */
    private static final List<JsonNode> VALUES = List.of(NODES.nullNode(), NODES.textNode(""), NODES.textNode("  "),
            NODES.textNode("x"), NODES.textNode("p\u00e9 \uD83D\uDE00"), NODES.numberNode(0), NODES.numberNode(-1),
            NODES.numberNode(1), NODES.numberNode(new java.math.BigDecimal("1.0")), NODES.numberNode(new java.math.BigDecimal("2.5")),
            NODES.numberNode(new java.math.BigDecimal("12.345")), NODES.numberNode(new java.math.BigDecimal("3.3000000000000003")),
            NODES.numberNode(new java.math.BigDecimal("999999999.99")), NODES.numberNode(1_000_000_000L),
            NODES.numberNode(new java.math.BigDecimal("1e2")), NODES.numberNode(3_000_000_000L), NODES.textNode("u\u0000x"),
            NODES.textNode("a\nb"), NODES.textNode("\uD800"), NODES.textNode("u".repeat(200)), NODES.textNode("u".repeat(201)),
            NODES.arrayNode(), NODES.objectNode(), NODES.booleanNode(true), NODES.textNode("2026-02-30T10:00:00Z"),
            NODES.textNode("2026-11-22T10:00:00"), NODES.textNode("2026-11-22T10:00:00.123456789+02:00"),
            NODES.textNode("2026-11-22T24:00:00Z"), NODES.textNode("2026-11-22 10:00:00"), NODES.textNode("pending"),
            NODES.textNode("shipped"));

    @Test
    void everyGeneratedEventTheSchemaAcceptsIsReadAndEveryRefusalNamesItsField() throws Exception {
        Random random = new Random(20261203L);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < 4000; i++) {
            ObjectNode event = valid(random.nextInt(4), random);
            String field = mutate(event, random);
            String verdict = verdict(event, field);
            outcomes.merge(verdict, 1, Integer::sum);
        }
        System.out.println("SchemaAgreementTest: " + outcomes);
        assertThat(outcomes).containsKeys("read", "refused by the schema", "refused by a rule in words");
    }

    /** What became of one event: read, or refused by whom; fails when the schema and the reading disagree. */
    private static String verdict(ObjectNode event, String field) {
        String schema = Schemas.forEventType(event.path("event_type").asText(null));
        InvalidFieldException bySchema = null;
        try {
            Schemas.validate(schema, event);
        } catch (InvalidFieldException e) {
            bySchema = e;
        }
        byte[] bytes = Json.write(event).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            EventCodec.parse(bytes);
            assertThat(bySchema).as("read by the application, refused by the schema: %s", event).isNull();
            return "read";
        } catch (InvalidEventException e) {
            InvalidFieldException cause = (InvalidFieldException) e.getCause();
            if (bySchema != null) {
                assertThat(e.getMessage()).isEqualTo("invalid event: " + bySchema.getMessage());
                return "refused by the schema";
            }
            assertThat(cause.field()).as("%s for %s", e.getMessage(), event).isEqualTo(field);
            assertThat(cause.reason()).as("%s for %s", e.getMessage(), event)
                    .matches("must be a cent amount: .*|must not contain a lone surrogate .*|must be an ISO-8601 date-time .*");
            return "refused by a rule in words";
        }
    }

    private static ObjectNode valid(int kind, Random random) {
        ObjectNode event = NODES.objectNode();
        event.put("event_id", "e" + random.nextInt(1000));
        ObjectNode data = NODES.objectNode();
        data.put("order_id", "o" + random.nextInt(1000));
        data.put("user_id", "u" + random.nextInt(1000));
        switch (kind) {
            case 0 -> {
                event.put("event_type", OrderCreated.TYPE);
                data.set("items", items(random));
                data.put("total", 3.3000000000000003);
                data.put("status", "pending");
                data.put("created_at", "2026-12-01T10:00:00.123456");
            }
            case 1 -> {
                event.put("event_type", OrderStatusChanged.TYPE);
                data.put("status", "shipped");
                data.put("reason", "r");
                data.put("updated_at", "2026-12-01T10:00:00Z");
            }
            case 2 -> {
                event.put("event_type", InventoryReserved.TYPE);
                data.set("items", items(random));
            }
            default -> {
                event.put("event_type", InventoryFailed.TYPE);
                ObjectNode missing = NODES.objectNode().put("product_id", "p1").put("requested", 3).put("available", 0);
                data.set("missing", NODES.arrayNode().add(missing));
            }
        }
        event.put("timestamp", "2026-12-01T10:00:00Z");
        event.set("data", data);
        return event;
    }

    private static ArrayNode items(Random random) {
        ArrayNode items = NODES.arrayNode();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            items.add(NODES.objectNode().put("product_id", "p" + i).put("name", "P" + i).put("quantity", 1 + random.nextInt(5))
                    .put("price", 1.1));
        }
        return items;
    }

    /** Replaces, removes or adds one field somewhere in the event; returns its path. */
    private static String mutate(ObjectNode event, Random random) {
        List<String> paths = new ArrayList<>();
        List<ObjectNode> parents = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collect(event, "", paths, parents, names);
        int at = random.nextInt(paths.size());
        ObjectNode parent = parents.get(at);
        String name = names.get(at);
        switch (random.nextInt(6)) {
            case 0 -> parent.remove(name);
            case 1 -> {
                String extra = "extra_" + random.nextInt(3);
                parent.set(extra, VALUES.get(random.nextInt(VALUES.size())));
                return paths.get(at).substring(0, paths.get(at).length() - name.length()) + extra;
            }
            default -> parent.set(name, VALUES.get(random.nextInt(VALUES.size())));
        }
        return paths.get(at);
    }

    private static void collect(JsonNode node, String path, List<String> paths, List<ObjectNode> parents, List<String> names) {
        if (node instanceof ObjectNode object) {
            object.fieldNames().forEachRemaining(name -> {
                String child = path.isEmpty() ? name : path + "." + name;
                paths.add(child);
                parents.add(object);
                names.add(name);
                collect(object.get(name), child, paths, parents, names);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), path + "[" + i + "]", paths, parents, names);
            }
        }
    }
}
