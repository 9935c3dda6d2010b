package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import org.orderevents.PythonOrderService.Item;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events exactly as the seed system's Python order service writes them with kafka-python: values from
 * {@code json.dumps(v).encode('utf-8')} (", " and ": " separators, \\uXXXX escapes, floats such as 91.0), times from
 * {@code datetime.utcnow().isoformat()} (no offset), no record headers, order.created keyed by user_id and
 * order.status_changed keyed by order_id without user_id in its data. Each service handles them as it handles ours.
 */
class PythonProducerTest extends OrderEventsTestSupport {

    /** The product's own retries of a result ahead of its order: 200 orders at once may take order-service a while. */
    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("retry.unknown-order.max-redeliveries", "15");
    }

    @Test
    void everyServiceHandlesThePythonOrderServicesEventsAsOurs() throws Exception {
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        String alice = "py-alice-" + UUID.randomUUID();
        String bob = "py-bob-" + UUID.randomUUID();
        String createdFirst = UUID.randomUUID().toString();
        String createdSecond = UUID.randomUUID().toString();
        String shipped = UUID.randomUUID().toString();

        // the item's name is not ASCII: ensure_ascii escapes it, the camel emoji as a surrogate pair
        sendAsPython(alice, "{\"event_id\": \"" + createdFirst + "\", \"event_type\": \"order.created\", "
                + "\"timestamp\": \"2026-12-01T10:00:00.123456\", \"data\": {\"order_id\": \"" + first + "\", \"user_id\": \"" + alice
                + "\", \"items\": [{\"product_id\": \"book-camel\", \"name\": \"Camel in Action \\u2014 \\u00e9dition \\ud83d\\udc2a\", "
                + "\"quantity\": 2, \"price\": 45.5}], \"total\": 91.0, \"status\": \"pending\", "
                + "\"created_at\": \"2026-12-01T10:00:00.123456\"}}");
        // on a whole second isoformat() writes no fraction; 10:59:59 is still the 10:00 hour in UTC
        sendAsPython(bob, "{\"event_id\": \"" + createdSecond + "\", \"event_type\": \"order.created\", "
                + "\"timestamp\": \"2026-12-01T10:59:59\", \"data\": {\"order_id\": \"" + second + "\", \"user_id\": \"" + bob
                + "\", \"items\": [{\"product_id\": \"mug\", \"name\": \"Camel mug\", \"quantity\": 1, \"price\": 12.0}], "
                + "\"total\": 12.0, \"status\": \"pending\", \"created_at\": \"2026-12-01T10:59:59\"}}");

        // order-service records both orders and confirms them once inventory-service has reserved their stock
        awaitRounds("order-service", "SELECT COUNT(*) FROM orders WHERE status = 'confirmed' AND order_id IN ('"
                + first + "', '" + second + "')", confirmed -> confirmed == 2);
        JsonNode stock = json(http("GET", "/inventory", null).body());
        assertThat(available(stock, "book-camel")).isEqualTo(48);
        assertThat(available(stock, "mug")).isEqualTo(99);
        JsonNode order = json(http("GET", "/orders/" + first, null).body());
        assertThat(order.get("user_id").asText()).isEqualTo(alice);
        assertThat(order.get("created_at").asText()).as("stored as the instant in UTC with Z").isEqualTo("2026-12-01T10:00:00.123456Z");
        assertThat(order.at("/items/0/name").asText()).isEqualTo("Camel in Action \u2014 \u00e9dition \uD83D\uDC2A");
        assertThat(order.get("total").decimalValue()).isEqualByComparingTo("91.00");
        assertThat(json(http("GET", "/orders/" + second, null).body()).get("created_at").asText()).isEqualTo("2026-12-01T10:59:59Z");

        // analytics: both in the UTC hour of their naive created_at
        JsonNode figures = awaitAnalytics(2);
        assertThat(figures.get("orders_by_hour").size()).isEqualTo(1);
        assertThat(figures.at("/orders_by_hour/2026-12-01T10:00").asLong()).isEqualTo(2);
        assertThat(figures.get("total_revenue").decimalValue()).isEqualByComparingTo("103.00");
        assertThat(figures.get("revenue_by_user").get(alice).decimalValue()).isEqualByComparingTo("91.00");

        // the Python service's status change: keyed by order_id, no user_id in its data
        sendAsPython(first, "{\"event_id\": \"" + shipped + "\", \"event_type\": \"order.status_changed\", "
                + "\"timestamp\": \"2026-12-01T11:30:00\", \"data\": {\"order_id\": \"" + first + "\", \"status\": \"shipped\", "
                + "\"updated_at\": \"2026-12-01T11:30:00\"}}");

        awaitRounds("order-service", "SELECT COUNT(*) FROM orders WHERE order_id = '" + first + "' AND status = 'shipped' "
                + "AND updated_at = '2026-12-01T11:30:00Z'", applied -> applied == 1);
        // e-mails: each order received and confirmed, and the Python status change, to the order's user
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 5);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox")).isEqualTo(5);
        assertThat(Files.readString(outbox().resolve(createdFirst + ".eml")))
                .contains("To: " + alice + "@example.com", "Subject: Order " + first + " received", "Total: 91.00");
        assertThat(Files.readString(outbox().resolve(createdSecond + ".eml")))
                .contains("To: " + bob + "@example.com", "Subject: Order " + second + " received", "Total: 12.00");
        assertThat(Files.readString(outbox().resolve(shipped + ".eml")))
                .contains("To: " + alice + "@example.com", "Subject: Order " + first + " shipped", "Hello " + alice);

        // every group handled every event (2 order.created, 2 confirmations, 1 status change; order-service also the 2
        // inventory results), none dead-lettered
        awaitHandled("order-service", 7);
        awaitHandled("email-service", 5);
        awaitHandled("inventory-service", 5);
        awaitHandled("analytics-service", 5);
        for (String service : List.of("order-service", "email-service", "inventory-service", "analytics-service")) {
            double deadLettered = metric("order_events_dead_lettered_total", "service", service);
            assertThat(Double.isNaN(deadLettered) ? 0 : deadLettered).as(service + " dead-lettered").isZero();
        }
        assertThat(metric("order_events_processed_total", "service", "order-service")).isEqualTo(7);
        assertThat(metric("order_events_processed_total", "service", "email-service")).isEqualTo(5);
        // inventory-service: the orders, and every status change (its view of each order)
        assertThat(metric("order_events_processed_total", "service", "inventory-service")).isEqualTo(5);
        assertThat(metric("order_events_processed_total", "service", "analytics-service")).isEqualTo(2);
        assertThat(records("orders.dlq", r -> r.value() != null && (text(r.value()).contains(first) || text(r.value()).contains(second)),
                1, Duration.ofSeconds(2))).isEmpty();
    }

    /** The seed system's sample products are in the sample stock: its example orders are confirmed and rejected as there. */
    @Test
    void theSeedSystemsExampleOrdersAreDecidedAsThere() throws Exception {
        JsonNode stock = json(http("GET", "/inventory", null).body());
        assertThat(available(stock, "prod_1")).isEqualTo(100);
        assertThat(available(stock, "prod_2")).isEqualTo(50);
        assertThat(available(stock, "prod_3")).isZero();
        String user = "py-seed-" + UUID.randomUUID();
        String confirmed = UUID.randomUUID().toString();
        String rejected = UUID.randomUUID().toString();
        LocalDateTime now = LocalDateTime.of(2026, 12, 1, 10, 0, 0, 123_456_000);
        sendAsPython(user, PythonOrderService.orderCreated(PythonOrderService.newEventId(), confirmed, user,
                List.of(new Item("prod_1", "Product 1", 3, 29.99), new Item("prod_2", "Product 2", 1, 99.99)), now));
        sendAsPython(user, PythonOrderService.orderCreated(PythonOrderService.newEventId(), rejected, user,
                List.of(new Item("prod_3", "Product 3", 1, 9.99)), now.plusSeconds(1)));

        awaitRounds("order-service-inventory", "SELECT COUNT(*) FROM orders WHERE status <> 'pending' AND user_id = '" + user + "'",
                decided -> decided == 2);
        JsonNode first = json(http("GET", "/orders/" + confirmed, null).body());
        assertThat(first.get("status").asText()).isEqualTo("confirmed");
        // 3 * 29.99 + 99.99 is 189.96, which Python's float sum writes 189.95999999999998
        assertThat(PythonOrderService.repr(PythonOrderService.total(List.of(new Item("prod_1", "", 3, 29.99),
                new Item("prod_2", "", 1, 99.99))))).isEqualTo("189.95999999999998");
        assertThat(first.get("total").decimalValue()).isEqualByComparingTo("189.96");
        JsonNode second = json(http("GET", "/orders/" + rejected, null).body());
        assertThat(second.get("status").asText()).isEqualTo("rejected");
        assertThat(second.get("reason").asText()).isEqualTo("out of stock: prod_3 (requested 1, available 0)");
        JsonNode after = json(http("GET", "/inventory", null).body());
        assertThat(available(after, "prod_1")).isEqualTo(97);
        assertThat(available(after, "prod_2")).isEqualTo(49);
        assertThat(available(after, "prod_3")).isZero();
    }

    /** A number finer than a cent is no float noise: every group dead-letters the record at once, naming the field. */
    @Test
    void aPriceOrTotalFinerThanACentIsDeadLetteredNamingTheField() throws Exception {
        String user = "py-finer-" + UUID.randomUUID();
        String badTotal = UUID.randomUUID().toString();
        String badPrice = UUID.randomUUID().toString();
        String good = UUID.randomUUID().toString();
        LocalDateTime at = LocalDateTime.of(2026, 12, 1, 10, 0, 0, 500_000_000);
        sendAsPython(user, PythonOrderService.orderCreated(PythonOrderService.newEventId(), badTotal, user,
                List.of(new Item("sticker", "Camel sticker", 1, 12.34)), at).replace("\"total\": 12.34,", "\"total\": 12.345,"));
        sendAsPython(user, PythonOrderService.orderCreated(PythonOrderService.newEventId(), badPrice, user,
                List.of(new Item("sticker", "Camel sticker", 1, 12.345)), at));
        sendAsPython(user, PythonOrderService.orderCreated(PythonOrderService.newEventId(), good, user,
                List.of(new Item("sticker", "Camel sticker", 3, 1.1)), at));

        for (String group : List.of("order-service", "email-service", "inventory-service", "analytics-service")) {
            ConsumerRecord<byte[], byte[]> total = deadLetter("orders", badTotal, group);
            assertThat(text(total.value())).contains("\"total\": 12.345,");
            assertThat(header(total, "dlq.exception.message")).as(group)
                    .isEqualTo("invalid event: data.total: must be a cent amount: 12.345 has more than 2 decimals, beyond floating-point noise");
            assertThat(header(total, "dlq.attempts")).isEqualTo("1");
            assertThat(header(deadLetter("orders", badPrice, group), "dlq.exception.message")).as(group)
                    .isEqualTo("invalid event: data.items[0].price: must be a cent amount: 12.345 has more than 2 decimals, beyond floating-point noise");
        }
        // the order behind them, whose total is 3.3000000000000003, is confirmed
        awaitRounds("order-service-inventory", "SELECT COUNT(*) FROM orders WHERE order_id = '" + good + "' AND status = 'confirmed'",
                confirmed -> confirmed == 1);
        assertThat(json(http("GET", "/orders/" + good, null).body()).get("total").decimalValue()).isEqualByComparingTo("3.30");
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE order_id IN ('" + badTotal + "', '" + badPrice + "')")).isZero();
    }

    /** The seed system's sample products and others of the sample stock, at prices whose float sums are rarely cents. */
    private static final List<Item> CATALOG = List.of(
            new Item("prod_1", "Product 1", 1, 1.10),
            new Item("prod_2", "Product 2", 1, 0.70),
            new Item("prod_3", "Product 3", 1, 19.99),
            new Item("sticker", "Camel sticker \uD83D\uDC2A", 1, 0.10),
            new Item("mug", "Camel mug \u2615", 1, 0.20),
            new Item("book-camel", "Camel in Action", 1, 3.30),
            new Item("book-kafka", "Kafka: The Definitive Guide", 1, 0.30));
    private static final int ORDERS = 200;
    private static final Pattern MISSING = Pattern.compile("([\\w-]+) \\(requested (\\d+), available (\\d+)\\)");

    /**
     * 200 orders of random lines (1 to 3 products, 1 to 5 of each) as the Python service writes them: totals are float
     * sums such as 3.3000000000000003, times naive. Each is read as its cent amount: every order decided as the stock
     * says, analytics counts the exact sum of cents, and nothing is dead-lettered. Then the Python service's status
     * changes (shipped, cancelled) of the confirmed orders are applied, the cancelled ones giving their stock back.
     */
    @Test
    void generatedPythonOrdersWithFloatTotalsAreAllDecidedAndCountedToTheCent() throws Exception {
        long seed = Long.getLong("test.seed", System.nanoTime());
        Random random = new Random(seed);
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Integer> initial = new HashMap<>();
        json(http("GET", "/inventory", null).body()).forEach(p -> initial.put(p.get("product_id").asText(), p.get("available").asInt()));
        Map<String, List<Item>> itemsOf = new LinkedHashMap<>();
        Map<String, String> userOf = new HashMap<>();
        Map<String, BigDecimal> revenueByUser = new TreeMap<>();
        BigDecimal revenue = BigDecimal.ZERO;
        int noisy = 0;
        LocalDateTime start = LocalDateTime.of(2026, 12, 1, 10, 0);
        for (int i = 0; i < ORDERS; i++) {
            List<Item> shuffled = new ArrayList<>(CATALOG);
            Collections.shuffle(shuffled, random);
            List<Item> items = shuffled.subList(0, 1 + random.nextInt(3)).stream()
                    .map(p -> new Item(p.productId(), p.name(), 1 + random.nextInt(5), p.price())).toList();
            String orderId = UUID.randomUUID().toString();
            String user = "py-" + run + "-" + random.nextInt(25);
            // a tenth on a whole second, where isoformat() writes no fraction
            LocalDateTime createdAt = start.plusSeconds(i * 11L).plusNanos(i % 10 == 0 ? 0 : (1 + random.nextInt(999_999)) * 1000L);
            sendAsPython(user, PythonOrderService.orderCreated(PythonOrderService.newEventId(), orderId, user, items, createdAt));
            itemsOf.put(orderId, items);
            userOf.put(orderId, user);
            BigDecimal cents = items.stream().map(Item::cents).reduce(BigDecimal.ZERO, BigDecimal::add);
            revenue = revenue.add(cents);
            revenueByUser.merge(user, cents, BigDecimal::add);
            noisy += PythonOrderService.repr(PythonOrderService.total(items)).matches(".*\\.\\d{3,}") ? 1 : 0;
        }
        System.out.println("PythonProducerTest: seed " + seed + " (-Dtest.seed=" + seed + " repeats it), " + ORDERS + " orders, "
                + noisy + " with a total that is not a cent amount in binary");
        assertThat(noisy).as("orders whose float total is not its cent amount").isGreaterThan(ORDERS / 5);

        // every group read every order, and dead-lettered none
        awaitHandled("analytics-service", ORDERS);
        assertThat(deadLettered("analytics-service")).as("orders dead-lettered by analytics-service").isZero();
        awaitRounds("order-service-inventory", "SELECT COUNT(*) FROM orders WHERE status <> 'pending' AND user_id LIKE 'py-"
                + run + "-%'", decided -> decided == ORDERS);

        // as the stock says: the stock taken is exactly the confirmed orders' items; a rejected order names a product
        // of its own whose stock was short then, and is still short (stock only went down meanwhile)
        Map<String, String[]> rows = orders(run);
        Map<String, Integer> taken = new HashMap<>();
        List<String> confirmed = new ArrayList<>();
        JsonNode stock = json(http("GET", "/inventory", null).body());
        for (Map.Entry<String, List<Item>> order : itemsOf.entrySet()) {
            String[] row = rows.get(order.getKey());
            BigDecimal cents = order.getValue().stream().map(Item::cents).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(new BigDecimal(row[0])).as("total of " + order.getKey()).isEqualByComparingTo(cents);
            if (row[1].equals("confirmed")) {
                confirmed.add(order.getKey());
                order.getValue().forEach(item -> taken.merge(item.productId(), item.quantity(), Integer::sum));
                continue;
            }
            assertThat(row[1]).isEqualTo("rejected");
            Matcher missing = MISSING.matcher(row[2]);
            assertThat(row[2]).startsWith("out of stock: ");
            int named = 0;
            while (missing.find()) {
                named++;
                String product = missing.group(1);
                int requested = Integer.parseInt(missing.group(2));
                int available = Integer.parseInt(missing.group(3));
                assertThat(order.getValue()).as(row[2]).anyMatch(item -> item.productId().equals(product) && item.quantity() == requested);
                assertThat(available).as(row[2]).isLessThan(requested);
                assertThat(available(stock, product)).as(row[2]).isLessThanOrEqualTo(available);
            }
            assertThat(named).as(row[2]).isPositive();
        }
        for (Item product : CATALOG) {
            assertThat(available(stock, product.productId())).as(product.productId())
                    .isEqualTo(initial.get(product.productId()) - taken.getOrDefault(product.productId(), 0));
        }
        assertThat(confirmed).as("confirmed orders").isNotEmpty().hasSizeLessThan(ORDERS);
        System.out.println("PythonProducerTest: " + confirmed.size() + " confirmed, " + (ORDERS - confirmed.size()) + " rejected");

        // analytics counts every order.created, to the cent
        JsonNode figures = awaitAnalytics(ORDERS);
        assertThat(figures.get("total_revenue").decimalValue()).isEqualByComparingTo(revenue);
        for (Map.Entry<String, BigDecimal> user : revenueByUser.entrySet()) {
            assertThat(figures.get("revenue_by_user").get(user.getKey()).decimalValue()).as(user.getKey()).isEqualByComparingTo(user.getValue());
        }

        // the Python service's status changes of the confirmed orders: keyed by order_id, no user_id, naive times
        Map<String, Integer> givenBack = new HashMap<>();
        int cancelled = 0;
        for (int i = 0; i < confirmed.size(); i++) {
            String orderId = confirmed.get(i);
            boolean cancel = i % 2 == 1;
            LocalDateTime at = start.plusDays(1).plusSeconds(i).plusNanos(i % 3 == 0 ? 0 : 250_000_000L);
            sendAsPython(orderId, PythonOrderService.statusChanged(PythonOrderService.newEventId(), orderId,
                    cancel ? "cancelled" : "shipped", cancel ? "customer request" : null, at));
            if (cancel) {
                cancelled++;
                itemsOf.get(orderId).forEach(item -> givenBack.merge(item.productId(), item.quantity(), Integer::sum));
            }
        }
        int changes = confirmed.size();
        awaitRounds("order-service", "SELECT COUNT(*) FROM orders WHERE status IN ('shipped', 'cancelled') AND user_id LIKE 'py-"
                + run + "-%'", applied -> applied == changes);
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE status = 'cancelled' AND reason = 'customer request'")).isEqualTo(cancelled);
        // inventory-service handles every order and status change; its cancellations give the reserved stock back
        awaitHandled("inventory-service", 2 * ORDERS + changes);
        JsonNode after = json(http("GET", "/inventory", null).body());
        for (Item product : CATALOG) {
            assertThat(available(after, product.productId())).as(product.productId() + " after the cancellations")
                    .isEqualTo(initial.get(product.productId()) - taken.getOrDefault(product.productId(), 0)
                            + givenBack.getOrDefault(product.productId(), 0));
        }
        // one e-mail per order received, per decision and per Python status change
        int mails = 2 * ORDERS + changes;
        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == mails);
        awaitHandled("email-service", mails);
        awaitHandled("order-service", 3 * ORDERS + changes);
        for (String service : List.of("order-service", "email-service", "inventory-service", "analytics-service")) {
            assertThat(deadLettered(service)).as(service + " dead-lettered").isZero();
        }
        assertThat(records("orders.dlq", r -> r.value() != null && text(r.value()).contains("py-" + run), 1, Duration.ofSeconds(2))).isEmpty();
    }

    private double deadLettered(String service) throws Exception {
        double value = metric("order_events_dead_lettered_total", "service", service);
        return Double.isNaN(value) ? 0 : value;
    }

    /** The orders of the run's users: order_id to its total, status and reason. */
    private Map<String, String[]> orders(String run) throws SQLException {
        Map<String, String[]> orders = new HashMap<>();
        try (Connection connection = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class).getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT order_id, total, status, reason FROM orders WHERE user_id LIKE 'py-" + run + "-%'")) {
            while (rows.next()) {
                orders.put(rows.getString(1), new String[] {rows.getBigDecimal(2).toPlainString(), rows.getString(3), rows.getString(4)});
            }
        }
        return orders;
    }

    /** kafka-python cannot be installed here: a KafkaProducer with ByteArraySerializer sends the same key and value bytes, no headers. */
    private void sendAsPython(String key, String value) {
        send("orders", key, value, Map.of());
    }

    private Path outbox() {
        return dataDir.resolve("outbox");
    }
}
