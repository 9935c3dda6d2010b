package org.orderevents;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the seed system's Python order service writes, byte for byte, without Python: kafka-python's value serializer
 * {@code json.dumps(v, default=str).encode('utf-8')} (", " and ": " separators, ensure_ascii's lowercase \\uXXXX escapes,
 * floats as their repr), times from {@code datetime.utcnow().isoformat()}, and an order's total as
 * {@code sum(item['price'] * item['quantity'] for item in items)} in binary floating point.
 */
public final class PythonOrderService {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    private PythonOrderService() {
    }

    /** An order line as the Python service holds it: the price is a Python float. */
    public record Item(String productId, String name, int quantity, double price) {

        /** The line's amount in exact decimal cents: what the price means, not what the float holds. */
        public BigDecimal cents() {
            return new BigDecimal(repr(price)).multiply(BigDecimal.valueOf(quantity));
        }
    }

    /** The order.created record value, as the Python service builds the dict and json.dumps writes it. */
    public static String orderCreated(String eventId, String orderId, String userId, List<Item> items, LocalDateTime createdAt) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("order_id", orderId);
        data.put("user_id", userId);
        data.put("items", items.stream().map(item -> {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("product_id", item.productId());
            line.put("name", item.name());
            line.put("quantity", item.quantity());
            line.put("price", item.price());
            return line;
        }).toList());
        data.put("total", total(items));
        data.put("status", "pending");
        data.put("created_at", isoformat(createdAt));
        return dumps(envelope(eventId, "order.created", createdAt, data));
    }

    /** The order.status_changed record value: no user_id, as the Python service writes it (keyed by order_id). */
    public static String statusChanged(String eventId, String orderId, String status, String reason, LocalDateTime updatedAt) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("order_id", orderId);
        data.put("status", status);
        if (reason != null) {
            data.put("reason", reason);
        }
        data.put("updated_at", isoformat(updatedAt));
        return dumps(envelope(eventId, "order.status_changed", updatedAt, data));
    }

    public static String newEventId() {
        return UUID.randomUUID().toString();
    }

    /** {@code sum(item['price'] * item['quantity'] for item in items)}: int 0 plus each float product, left to right. */
    public static double total(List<Item> items) {
        double sum = 0;
        for (Item item : items) {
            sum += item.price() * item.quantity();
        }
        return sum;
    }

    private static Map<String, Object> envelope(String eventId, String type, LocalDateTime at, Map<String, Object> data) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("event_id", eventId);
        envelope.put("event_type", type);
        envelope.put("timestamp", isoformat(at));
        envelope.put("data", data);
        return envelope;
    }

    /** {@code datetime.isoformat()} of a naive datetime: no offset, microseconds unless they are 0. */
    public static String isoformat(LocalDateTime time) {
        int micros = time.getNano() / 1000;
        return time.format(SECONDS) + (micros == 0 ? "" : String.format(".%06d", micros));
    }

    /** {@code json.dumps(value)} with its defaults, for dicts (insertion order), lists, str, int, float, bool and None. */
    public static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            String separator = "";
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.append(separator);
                string(out, (String) entry.getKey());
                out.append(": ");
                write(out, entry.getValue());
                separator = ", ";
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            String separator = "";
            for (Object element : list) {
                out.append(separator);
                write(out, element);
                separator = ", ";
            }
            out.append(']');
        } else if (value instanceof String text) {
            string(out, text);
        } else if (value instanceof Double number) {
            out.append(repr(number));
        } else if (value instanceof Integer || value instanceof Long) {
            out.append(value);
        } else if (value instanceof Boolean flag) {
            out.append(flag ? "true" : "false");
        } else {
            throw new IllegalArgumentException("json.dumps(default=str) would write str() of " + value.getClass());
        }
    }

    /** A str as ensure_ascii writes it: the short escapes, every other character outside printable ASCII as \\uxxxx. */
    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code repr(float)}: the shortest decimal that reads back as the same double (the closest of them to its
     * value when several have that length); positional with at least one decimal from 1e-4 to below 1e16, else
     * scientific ({@code 1e-05}, {@code 2.82879384806159e+17}). Java 17's Double.toString is not always the shortest
     * ({@code 2.82879384806159008E17}), so the digits are found here with BigDecimal.
     */
    public static String repr(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("json.dumps writes NaN and Infinity, which are not JSON: " + value);
        }
        if (value == 0) {
            return 1 / value < 0 ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortest(value).stripTrailingZeros();
        double magnitude = Math.abs(value);
        if (magnitude >= 1e-4 && magnitude < 1e16) {
            String digits = shortest.toPlainString();
            return digits.contains(".") ? digits : digits + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (value < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }

    private static BigDecimal shortest(double value) {
        BigDecimal exact = new BigDecimal(value);
        for (int precision = 1; precision <= 17; precision++) {
            BigDecimal best = null;
            for (RoundingMode mode : List.of(RoundingMode.HALF_EVEN, RoundingMode.FLOOR, RoundingMode.CEILING)) {
                BigDecimal candidate = exact.round(new MathContext(precision, mode));
                if (candidate.doubleValue() == value && (best == null
                        || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                    best = candidate;
                }
            }
            if (best != null) {
                return best;
            }
        }
        throw new IllegalStateException("17 significant digits always read back: " + value);
    }
}
