package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.Month;
import java.time.Year;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Reads checked fields out of parsed JSON; every failure names the field by its path (e.g. {@code items[1].quantity}). */
public final class Fields {

    private Fields() {
    }

    /** The JSON object of an HTTP request body; a body that is missing or not an object fails naming the field "body". */
    public static JsonNode requestBody(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidFieldException("body", "is required: a JSON object");
        }
        JsonNode body;
        try {
            body = Json.read(text);
        } catch (IOException e) {
            throw new InvalidFieldException("body", "is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw new InvalidFieldException("body", "must be a JSON object");
        }
        return body;
    }

    private static JsonNode required(JsonNode parent, String name, String path) {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) {
            throw new InvalidFieldException(path, "is required");
        }
        return node;
    }

    public static JsonNode object(JsonNode parent, String name, String path) {
        JsonNode node = required(parent, name, path);
        if (!node.isObject()) {
            throw new InvalidFieldException(path, "must be an object");
        }
        return node;
    }

    public static String text(JsonNode parent, String name, String path) {
        JsonNode node = required(parent, name, path);
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new InvalidFieldException(path, "must be a non-empty string");
        }
        if (node.asText().length() > 200) {
            throw new InvalidFieldException(path, "must be at most 200 characters");
        }
        return characters(node.asText(), path);
    }

    public static String optionalText(JsonNode parent, String name, String path) {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidFieldException(path, "must be a string");
        }
        return characters(node.asText(), path);
    }

    /**
     * Text that every database and mail header takes as it is: no control character (U+0000 to U+001F, U+007F to
     * U+009F; PostgreSQL refuses NUL) and no lone surrogate ({@code "\ud800"} in JSON), which is no Unicode character
     * and would be saved as {@code ?}.
     */
    static String characters(String value, String path) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw new InvalidFieldException(path, "must not contain a control character (" + codePoint(c) + " at position " + i + ")");
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidFieldException(path, "must not contain a lone surrogate (" + codePoint(c) + " at position " + i
                        + "), which is no Unicode character");
            }
        }
        return value;
    }

    private static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }

    /**
     * An ISO-8601 date-time, returned as the instant it names in UTC with {@code Z}, the form the application writes and
     * stores. A date-time without an offset is UTC: Python's {@code datetime.utcnow().isoformat()} writes
     * {@code 2026-12-01T10:00:00.123456} (or {@code 2026-12-01T10:00:00} on a whole second). Any offset is accepted
     * ({@code +02:00}, {@code Z}) and converted, so an hour taken from the text is the UTC hour whatever the producer wrote.
     */
    public static String instant(JsonNode parent, String name, String path) {
        String value = text(parent, name, path);
        if (isPlainUtcInstant(value)) {
            return value;
        }
        if (isPlainLocalDateTime(value, value.length())) {
            return value + "Z";
        }
        try {
            return Instant.parse(value).toString();
        } catch (DateTimeParseException e) {
            throw new InvalidFieldException(path,
                    "must be an ISO-8601 date-time such as 2026-11-22T10:00:00Z (UTC when it has no offset)");
        }
    }

    /**
     * True for the form every producer here writes, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} with a valid date and time:
     * a subset of what {@link Instant#parse} accepts, checked without it, since parsing is costly on the consumer
     * thread; anything else still goes through it.
     */
    static boolean isPlainUtcInstant(String s) {
        int n = s.length();
        return n > 0 && s.charAt(n - 1) == 'Z' && isPlainLocalDateTime(s, n - 1);
    }

    /**
     * True when s[0, end) is {@code yyyy-MM-ddTHH:mm:ss[.fraction of 1 to 9 digits]} with a valid date and time, the form
     * of a date-time without an offset that {@link java.time.LocalDateTime#parse} accepts with its seconds.
     */
    static boolean isPlainLocalDateTime(String s, int end) {
        if (end < 19 || end > 29 || s.length() < end || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return false;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > Month.of(month).length(Year.isLeap(year))
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return false;
        }
        if (end == 19) {
            return true;
        }
        // a fraction of 1 to 9 digits
        return s.charAt(19) == '.' && end >= 21 && digits(s, 20, end) >= 0;
    }

    /** The decimal number in s[from, to), or -1 if a character is not a digit 0-9. */
    private static int digits(String s, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    public static int positiveInt(JsonNode parent, String name, String path) {
        long value = whole(required(parent, name, path), path, Integer.MAX_VALUE);
        if (value <= 0) {
            throw new InvalidFieldException(path, "must be > 0");
        }
        return (int) value;
    }

    /**
     * An integer as JSON Schema has it (3, and also 3.0 or 3e0: a number without a fraction), at most {@code max};
     * else refused naming the field.
     */
    public static long whole(JsonNode node, String path, long max) {
        if (node == null || !node.isNumber()) {
            throw new InvalidFieldException(path, "must be an integer");
        }
        if (node.canConvertToExactIntegral() && node.canConvertToLong()) {
            long value = node.longValue();
            if (value <= max) {
                return value;
            }
        } else if (!node.isIntegralNumber() && node.decimalValue().stripTrailingZeros().scale() > 0) {
            throw new InvalidFieldException(path, "must be an integer");
        }
        throw new InvalidFieldException(path, "must be at most " + max);
    }

    /** The largest amount is below this: the orders table holds 12 digits before the point. */
    private static final BigDecimal AMOUNT_LIMIT = BigDecimal.valueOf(1_000_000_000L);

    /**
     * How far from a cent amount a number may lie and still be it, relative to the amount: binary floating-point noise.
     * A double holds about 16 significant digits, and a float sum of 100 lines, each price times its quantity, strays
     * by less than 1e-13 of its value; a number a person or a program writes finer than a cent ({@code 12.345},
     * {@code 1234567.891}) lies much farther.
     */
    static final BigDecimal FLOAT_NOISE = new BigDecimal("1e-12");

    /** An amount ({@code price}, {@code total}): a cent amount >= 0 and below 1000000000, as {@link #cents} reads it. */
    public static BigDecimal amount(JsonNode parent, String name, String path) {
        JsonNode node = required(parent, name, path);
        if (!node.isNumber()) {
            throw new InvalidFieldException(path, "must be a number");
        }
        BigDecimal value = node.decimalValue();
        if (value.signum() < 0) {
            throw new InvalidFieldException(path, "must be >= 0");
        }
        if (value.compareTo(AMOUNT_LIMIT) >= 0) {
            throw new InvalidFieldException(path, "must be below 1000000000");
        }
        return cents(value, path);
    }

    /**
     * A number as a cent amount: itself when it has at most 2 decimals; the nearest cent amount when it lies within
     * floating-point noise of one, as Python's {@code sum(price * quantity)} writes {@code 3.3000000000000003} for 3.30;
     * else, finer than a cent ({@code 12.345}, {@code 12.3449}), refused naming the field.
     */
    public static BigDecimal cents(BigDecimal value, String path) {
        if (value.scale() <= 2) {
            return value;
        }
        BigDecimal cents = value.setScale(2, RoundingMode.HALF_EVEN);
        if (value.subtract(cents).abs().compareTo(cents.abs().multiply(FLOAT_NOISE)) > 0) {
            throw new InvalidFieldException(path, "must be a cent amount: " + value.toPlainString()
                    + " has more than 2 decimals, beyond floating-point noise");
        }
        return cents;
    }

    /** The order lines of an order or of a request: at least one, each with product_id, name, quantity > 0, price >= 0. */
    public static List<OrderItem> items(JsonNode parent, String name, String path) {
        JsonNode node = required(parent, name, path);
        if (!node.isArray() || node.isEmpty()) {
            throw new InvalidFieldException(path, "must be a non-empty array");
        }
        if (node.size() > 100) {
            throw new InvalidFieldException(path, "must have at most 100 items");
        }
        List<OrderItem> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String at = path + "[" + i + "]";
            if (!item.isObject()) {
                throw new InvalidFieldException(at, "must be an object");
            }
            items.add(new OrderItem(text(item, "product_id", at + ".product_id"), text(item, "name", at + ".name"),
                    positiveInt(item, "quantity", at + ".quantity"), amount(item, "price", at + ".price")));
        }
        return items;
    }
}
