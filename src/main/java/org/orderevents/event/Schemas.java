package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * The published JSON Schemas ({@code schemas/v1/} in the repository, {@code GET /schemas}) and the one check of events
 * and request bodies against them: a failure names the field by its path and says what it must be, in the words the
 * dead-letter reasons and the API's 400s use ({@code data.items[0].quantity: must be > 0}).
 */
public final class Schemas {

    /** The version the application writes and validates with. */
    public static final String VERSION = "v1";

    /** The documents of {@link #VERSION}, by name; {@code <name>.json} is the file. */
    public static final List<String> DOCUMENTS = List.of("definitions", "envelope", OrderCreated.TYPE, OrderStatusChanged.TYPE,
            InventoryReserved.TYPE, InventoryFailed.TYPE, "create-order.request", "status-change.request", "dlq-replay.request",
            "reprocess.request");

    public static final String CREATE_ORDER = "create-order.request";
    public static final String STATUS_CHANGE = "status-change.request";
    public static final String DLQ_REPLAY = "dlq-replay.request";
    public static final String REPROCESS = "reprocess.request";

    /** The documents' {@code $id}s start with this; the registry maps it to the classpath copy. */
    public static final String ID_PREFIX = "https://order-events.dev/schemas/";

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaIdResolvers(ids -> ids.mapPrefix(ID_PREFIX, "classpath:schemas/"))
                    .schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_PATH).build()));

    private static final Map<String, Schema> SCHEMAS = load();

    private Schemas() {
    }

    private static Map<String, Schema> load() {
        Map<String, Schema> schemas = new LinkedHashMap<>();
        for (String name : DOCUMENTS) {
            Schema schema = REGISTRY.getSchema(SchemaLocation.of(ID_PREFIX + VERSION + "/" + name + ".json"));
            // resolves every $ref now: the first event pays nothing, and a broken document stops the start
            schema.initializeValidators();
            schemas.put(name, schema);
        }
        return Map.copyOf(schemas);
    }

    /** The schema an event of this type is checked with: its own, or the envelope's for a type this version does not name. */
    public static String forEventType(String eventType) {
        return eventType != null && DOCUMENTS.contains(eventType) && eventType.indexOf('.') > 0 ? eventType : "envelope";
    }

    /** Checks the JSON against the named document; the first failure is thrown naming its field. */
    public static void validate(String name, JsonNode json) {
        Schema schema = SCHEMAS.get(name);
        if (schema == null) {
            throw new IllegalArgumentException("no schema " + name + " in " + VERSION + "; there are " + DOCUMENTS);
        }
        List<Error> errors = schema.validate(json);
        if (!errors.isEmpty()) {
            // the failure nearest the root: an envelope's missing field before one of its data
            throw failure(errors.stream().min(Comparator.comparingInt(e -> e.getInstanceLocation().getNameCount())).orElseThrow());
        }
    }

    /** The bytes of a published document, as the repository holds it; null for a name that is not one. */
    public static byte[] document(String version, String file) {
        if (!VERSION.equals(version) || !file.endsWith(".json") || !DOCUMENTS.contains(file.substring(0, file.length() - 5))) {
            return null;
        }
        try (InputStream in = Schemas.class.getResourceAsStream("/schemas/" + version + "/" + file)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The failure as the application words it: the field's path, and what it must be. */
    static InvalidFieldException failure(Error error) {
        String path = path(error.getInstanceLocation());
        JsonNode value = error.getInstanceNode();
        JsonNode rule = error.getSchemaNode();
        String keyword = error.getKeyword();
        if ("required".equals(keyword)) {
            return new InvalidFieldException(path.isEmpty() ? error.getProperty() : path + "." + error.getProperty(), "is required");
        }
        String field = path.isEmpty() ? "body" : path;
        String reason = switch (keyword == null ? "" : keyword) {
            case "type" -> value == null || value.isNull() ? "is required" : "must be " + types(rule, error.getSchemaLocation().toString());
            case "minLength" -> "must be a non-empty string";
            case "maxLength" -> "must be at most " + rule.asText() + " characters";
            case "pattern" -> pattern(error.getSchemaLocation().toString(), value, field);
            case "minItems" -> "must be a non-empty array";
            case "maxItems" -> "must have at most " + rule.asText() + " items";
            case "minimum" -> "must be >= " + rule.asText();
            case "exclusiveMinimum" -> "must be > " + rule.asText();
            case "maximum" -> "must be at most " + rule.asText();
            case "exclusiveMaximum" -> "must be below " + rule.asText();
            case "const" -> "must be " + rule;
            case "enum" -> "must be one of " + StreamSupport.stream(rule.spliterator(), false).map(JsonNode::asText)
                    .collect(Collectors.joining(", "));
            default -> error.getMessage();
        };
        return new InvalidFieldException(field, reason);
    }

    /** {@code "string"} or {@code ["array", "null"]} as "a non-empty string", "an array". */
    private static String types(JsonNode rule, String location) {
        String type = rule.isArray() ? rule.get(0).asText() : rule.asText();
        return switch (type) {
            case "string" -> location.contains("/optional-text/") ? "a string" : "a non-empty string";
            case "integer" -> "an integer";
            case "object" -> "an object";
            case "array" -> "an array";
            default -> "a " + type;
        };
    }

    /** A pattern failure said by the definition it belongs to: a date-time, or text with the character it refuses. */
    private static String pattern(String location, JsonNode value, String field) {
        if (location.contains("/date-time/")) {
            return "must be an ISO-8601 date-time such as 2026-11-22T10:00:00Z (UTC when it has no offset)";
        }
        String text = value == null ? "" : value.asText();
        try {
            Fields.characters(text, field);
        } catch (InvalidFieldException e) {
            return e.reason();
        }
        return "must be a non-empty string";
    }

    /** {@code $.data.items[0].quantity} as {@code data.items[0].quantity}; empty at the root. */
    static String path(NodePath location) {
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Integer index) {
                path.append('[').append(index).append(']');
            } else {
                path.append(path.length() == 0 ? "" : ".").append(element);
            }
        }
        return path.toString();
    }
}
