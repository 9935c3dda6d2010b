package org.orderevents.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.orderevents.event.Fields.amount;
import static org.orderevents.event.Fields.instant;
import static org.orderevents.event.Fields.items;
import static org.orderevents.event.Fields.object;
import static org.orderevents.event.Fields.optionalText;
import static org.orderevents.event.Fields.text;

/**
 * The one way events cross the edge: a record value is parsed and checked here once, into a typed {@link Event}, and
 * every event this project publishes is written here.
 */
public class EventCodec {

    public static final String EVENT_ID = "event_id";
    public static final String EVENT_TYPE = "event_type";

    /** Route step: the record value (bytes) becomes an {@link Event}; headers event_id and event_type are set from it. */
    public void parse(Exchange exchange) {
        Event<?> event = parse(exchange.getMessage().getBody(byte[].class));
        Message message = exchange.getMessage();
        message.setBody(event);
        message.setHeader(EVENT_ID, event.eventId());
        message.setHeader(EVENT_TYPE, event.eventType());
    }

    /** Route step: the {@link Event} body becomes a record for the topic it is published to: JSON value, user id as key. */
    public void toRecord(Exchange exchange) {
        Message message = exchange.getMessage();
        Event<?> event = message.getBody(Event.class);
        // what came in with the source record (its topic, offset, key and headers) must not leak into the new record
        message.removeHeaders("*");
        message.setHeader(KafkaConstants.KEY, event.key());
        message.setHeader(EVENT_TYPE, event.eventType());
        message.setHeader(EVENT_ID, event.eventId());
        message.setBody(write(event));
    }

    public static Event<?> parse(byte[] value) {
        if (value == null || value.length == 0) {
            throw new InvalidEventException("empty record value: expected a JSON event envelope");
        }
        JsonNode root;
        try {
            root = Json.read(Json.utf8(value, "record value"));
        } catch (InvalidFieldException e) {
            throw new InvalidEventException("invalid event: " + e.getMessage(), e);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("record value is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidEventException("record value is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("record value is not a JSON object");
        }
        try {
            JsonNode type = root.get(EVENT_TYPE);
            Schemas.validate(Schemas.forEventType(type != null && type.isTextual() ? type.asText() : null), root);
            String eventId = text(root, "event_id", "event_id");
            String eventType = text(root, "event_type", "event_type");
            String timestamp = instant(root, "timestamp", "timestamp");
            JsonNode data = object(root, "data", "data");
            return new Event<>(eventId, eventType, timestamp, data(eventType, data));
        } catch (InvalidFieldException e) {
            throw new InvalidEventException("invalid event: " + e.getMessage(), e);
        }
    }

    private static OrderEvent data(String type, JsonNode data) {
        return switch (type) {
            case OrderCreated.TYPE -> {
                String status = text(data, "status", "data.status");
                if (!"pending".equals(status)) {
                    throw new InvalidFieldException("data.status", "must be \"pending\"");
                }
                yield new OrderCreated(text(data, "order_id", "data.order_id"), text(data, "user_id", "data.user_id"),
                        items(data, "items", "data.items"), amount(data, "total", "data.total"), status,
                        instant(data, "created_at", "data.created_at"));
            }
            // other producers may leave user_id out (the seed system's Python order service): the order names its user
            case OrderStatusChanged.TYPE -> new OrderStatusChanged(text(data, "order_id", "data.order_id"),
                    data.hasNonNull("user_id") ? text(data, "user_id", "data.user_id") : null, text(data, "status", "data.status"),
                    optionalText(data, "reason", "data.reason"), instant(data, "updated_at", "data.updated_at"));
            case InventoryReserved.TYPE -> new InventoryReserved(text(data, "order_id", "data.order_id"),
                    text(data, "user_id", "data.user_id"), items(data, "items", "data.items"));
            case InventoryFailed.TYPE -> new InventoryFailed(text(data, "order_id", "data.order_id"),
                    text(data, "user_id", "data.user_id"), missing(data));
            default -> null;
        };
    }

    private static List<InventoryFailed.MissingItem> missing(JsonNode data) {
        JsonNode node = data.get("missing");
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new InvalidFieldException("data.missing", "must be a non-empty array");
        }
        List<InventoryFailed.MissingItem> missing = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "data.missing[" + i + "]";
            JsonNode item = node.get(i);
            long available = Fields.whole(item.get("available"), at + ".available", Integer.MAX_VALUE);
            if (available < 0) {
                throw new InvalidFieldException(at + ".available", "must be >= 0");
            }
            missing.add(new InventoryFailed.MissingItem(text(item, "product_id", at + ".product_id"),
                    Fields.positiveInt(item, "requested", at + ".requested"), (int) available));
        }
        return missing;
    }

    /**
     * The envelope's {@code event_id}, read without parsing the rest (a batch's duplicate check before its events run);
     * null when the record is not a JSON object with a textual top-level event_id. {@link #parse} still checks it all.
     */
    public static String eventId(byte[] value) {
        if (value == null) {
            return null;
        }
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                boolean id = EVENT_ID.equals(parser.currentName());
                JsonToken next = parser.nextToken();
                if (id) {
                    return next == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The {@code data.order_id} of a record's event, as text; null when it has none (a reprocess's take-out). */
    public static String orderId(byte[] value) {
        try {
            JsonNode orderId = value == null ? null : Json.MAPPER.readTree(value).path("data").path("order_id");
            return orderId != null && orderId.isTextual() ? orderId.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    public static byte[] write(Event<?> event) {
        return Json.write(event).getBytes(StandardCharsets.UTF_8);
    }

    /** A new event with a fresh id, as the order API publishes. */
    public static <T extends OrderEvent> Event<T> newEvent(String type, T data) {
        return new Event<>(UUID.randomUUID().toString(), type, now(), data);
    }

    /**
     * An event derived from another: its id is computed from the source event's id and the new type, so re-publishing
     * after a crash repeats the same id and consumers drop the repeat.
     */
    public static <T extends OrderEvent> Event<T> derivedFrom(Event<?> source, String type, T data) {
        return new Event<>(derivedId(source.eventId(), type), type, now(), data);
    }

    /** The id of the event of this type derived from the source event: the same for every re-publish. */
    public static String derivedId(String sourceEventId, String type) {
        return nameUuid(sourceEventId + "/" + type).toString();
    }

    /**
     * {@link UUID#nameUUIDFromBytes} of the name's UTF-8 bytes (a version 3 UUID), with an MD5 digest kept per thread
     * rather than looked up per event.
     */
    static UUID nameUuid(String name) {
        byte[] md5 = MD5.get().digest(name.getBytes(StandardCharsets.UTF_8));
        md5[6] = (byte) ((md5[6] & 0x0f) | 0x30);
        md5[8] = (byte) ((md5[8] & 0x3f) | 0x80);
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (md5[i] & 0xff);
            low = (low << 8) | (md5[i + 8] & 0xff);
        }
        return new UUID(high, low);
    }

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /** Now, to the millisecond, as {@link Instant#toString} writes it ({@code 2026-11-30T05:12:34.567Z}). */
    public static String now() {
        long millis = System.currentTimeMillis();
        long second = Math.floorDiv(millis, 1000);
        Second formatted = SECOND.get();
        if (formatted.second != second) {
            String whole = Instant.ofEpochSecond(second).toString();
            formatted.second = second;
            formatted.prefix = whole.substring(0, whole.length() - 1);
        }
        int milli = (int) Math.floorMod(millis, 1000);
        return milli == 0 ? formatted.prefix + "Z" : formatted.prefix + "." + (milli < 10 ? "00" : milli < 100 ? "0" : "") + milli + "Z";
    }

    /** The last second {@link #now} formatted on this thread, without its "Z". */
    private static final class Second {
        long second = Long.MIN_VALUE;
        String prefix;
    }

    private static final ThreadLocal<Second> SECOND = ThreadLocal.withInitial(Second::new);
}
