package org.orderevents.fault;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.Poll;
import org.orderevents.TestBroker;
import org.orderevents.TestHttp;
import org.orderevents.event.Json;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bug deployed to analytics-service and order-service, fixed, and both services reprocessed from the point where the
 * bug came in, while new orders arrive and the other services run: the figures equal a fresh count of every order, and
 * every order has the status a fresh order-service gives it. Two instances, each running both services, share their
 * groups; the one that runs analytics-service's reprocess is killed with a batch in flight, part of the way through,
 * and the other takes the run over; on H2 the database then goes away for 5 s with the other run's batches in flight.
 * Some orders are shipped by another producer, as the seed system's Python order service writes it: keyed by order id
 * (another partition), no user, no event_type header, a naive time.
 * H2 in server mode here, PostgreSQL in {@link PostgresReprocessTest}.
 */
class ReprocessTest extends ServerDatabaseTestSupport {

    private static final int BEFORE_THE_BUG = 300;
    private static final int WITH_THE_BUG = 3000;
    /** The last third of the orders with the bug are of an hour of their own, whose row the test can lock. */
    private static final String LATE_HOUR = "2026-11-22T20";
    private static final int DURING_THE_REPROCESS = 600;
    private static final String TOKEN = "reprocess-test-token";

    private final Random random = new Random(24);
    /** Every order published, as a fresh count sees it: event id, user, hour, total. */
    private final List<String[]> published = new ArrayList<>();
    /** The orders another producer shipped. */
    private final Set<String> shipped = new TreeSet<>();

    @Test
    void servicesThatRanABugAreReprocessedFromThePointOfTheBugAndEqualAFreshRun() throws Exception {
        String run = "reprocess-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("sticker", 1_000_000);
        Path buggyRoutes = buggyRoutes();
        Map<String, String> others = properties("orders-api,email-service,inventory-service");
        String api = "http://localhost:" + others.get("http.port");

        try (AppProcess services = AppProcess.start(others, log("reprocess-others-" + database()))) {
            AppProcess[] analytics = {analytics(null, "a1"), analytics(null, "a2")};
            try {
                publishRun(run, 0, BEFORE_THE_BUG);
                awaitProcessed(run, BEFORE_THE_BUG, Duration.ofMinutes(3));
                shipEveryFifth(run, 0, BEFORE_THE_BUG);
                assertThat(figures(api)).as("before the bug").isEqualTo(freshCount());
                assertThat(orders(run)).as("the orders before the bug").isEqualTo(freshOrders(run));

                // the bug is deployed, instance after instance: analytics-service claims the orders of event ids ending
                // in 3 but does not count them; order-service claims the status changes of such ids, and does not apply them
                Instant bugDeployed = Instant.now();
                analytics[0] = restart(analytics[0], buggyRoutes, "a1-buggy");
                analytics[1] = restart(analytics[1], buggyRoutes, "a2-buggy");
                publishRun(run, BEFORE_THE_BUG, WITH_THE_BUG);
                awaitProcessed(run, BEFORE_THE_BUG + WITH_THE_BUG, Duration.ofMinutes(5));
                int shippedBefore = shipped.size();
                shipEveryFifth(run, BEFORE_THE_BUG, WITH_THE_BUG);
                JsonNode wrong = figures(api);
                assertThat(wrong.get("total_orders").asLong()).as("the bug's count").isEqualTo(BEFORE_THE_BUG + WITH_THE_BUG * 9L / 10);
                long wrongStatuses = differences(orders(run), freshOrders(run));
                assertThat(wrongStatuses).as("orders the bug left wrong").isGreaterThan(WITH_THE_BUG / 40);

                // fixed, instance after instance; then reprocessed from the point of the bug while orders keep coming
                analytics[0] = restart(analytics[0], null, "a1-fixed");
                analytics[1] = restart(analytics[1], null, "a2-fixed");
                assertRefusals(api, bugDeployed);
                // the orders since the bug, their status changes and the orders shipped since
                long since = 2L * WITH_THE_BUG + shipped.size() - shippedBefore;
                // each run cannot get past its first batch with an order of the late hour (analytics-service), or with
                // the bug's last order (order-service), while the test holds that row: the live view's metrics show both
                // under way, and the instance that runs analytics-service's dies (SIGKILL) part of the way through, its
                // batch in flight; the other instance takes that run over
                long left;
                int holder;
                CompletableFuture<Void> arriving;
                try (Connection hourLock = lockRow("SELECT orders FROM analytics_orders_by_hour WHERE order_hour = ?", LATE_HOUR + ":00");
                     Connection orderLock = lockRow("SELECT status FROM orders WHERE order_id = ?", run + "-" + (BEFORE_THE_BUG + WITH_THE_BUG - 1))) {
                    for (String service : List.of("analytics-service", "order-service")) {
                        HttpResponse<String> asked = post(api, Json.write(Map.of("service", service, "from", bugDeployed.toString())), TOKEN);
                        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
                        assertThat(Json.MAPPER.readTree(asked.body()).get("events").asLong()).as("the events since the bug").isEqualTo(since);
                    }
                    arriving = CompletableFuture.runAsync(() -> publishRunUnchecked(run, BEFORE_THE_BUG + WITH_THE_BUG, DURING_THE_REPROCESS));
                    Poll.until("both reprocesses under way, on the metrics", Duration.ofMinutes(3), () -> {
                        String metrics = get(api + "/observe/metrics").body();
                        return List.of("analytics-service", "order-service").stream().allMatch(service -> {
                            try {
                                return gauge(metrics, "order_events_reprocess_running", service) == 1
                                        && gauge(metrics, "order_events_reprocess_events_left", service) > 0
                                        && lastRun(api, service).get("events_done").asLong() > 0;
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
                    });
                    left = lastRun(api).get("events_left").asLong();
                    holder = holderOf(analytics);
                    analytics[holder].kill();
                    hourLock.rollback();
                    orderLock.rollback();
                }
                if (database != null) {
                    // and the database goes away for a while, with the other instance's order-service batch in flight
                    database.stop();
                    Instant back = Instant.now().plusSeconds(5);
                    Poll.until("the outage's end", Duration.ofSeconds(30), () -> Instant.now().isAfter(back));
                    database.start();
                }
                analytics[holder] = analytics(null, "a" + (holder + 1) + "-restarted");
                Poll.until("both reprocesses done", Duration.ofMinutes(5), () -> "done".equals(lastRun(api).get("state").asText())
                        && "done".equals(lastRun(api, "order-service").get("state").asText()));
                arriving.get();
                awaitProcessed(run, BEFORE_THE_BUG + WITH_THE_BUG + DURING_THE_REPROCESS, Duration.ofMinutes(5));

                JsonNode done = lastRun(api);
                JsonNode ordersDone = lastRun(api, "order-service");
                System.out.printf("reprocess test (%s): analytics-service %d events reprocessed (%d failed), its first holder killed at %d "
                        + "left; order-service %d events reprocessed (%d failed); orders %d, by the bug %d counted and %d orders left "
                        + "wrong%n", database(), done.get("events_done").asLong(), done.get("events_failed").asLong(), left,
                        ordersDone.get("events_done").asLong(), ordersDone.get("events_failed").asLong(), published.size(),
                        wrong.get("total_orders").asLong(), wrongStatuses);
                for (JsonNode finished : List.of(done, ordersDone)) {
                    assertThat(finished.get("events_left").asLong()).isZero();
                    assertThat(finished.get("events_failed").asLong()).isZero();
                }
                assertThat(figures(api)).as("the figures after the reprocess, against a fresh count").isEqualTo(freshCount());
                assertThat(queryLong("SELECT COUNT(*) FROM analytics_orders")).isEqualTo(published.size());
                assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'analytics-service'"))
                        .isEqualTo(published.size());
                // each order's status, and its history: begun by its order.created, its confirmation and its shipping, each once
                assertThat(orders(run)).as("the orders after the reprocess, against a fresh run").isEqualTo(freshOrders(run));
                // and each event claimed once: those of orders, and the inventory results
                assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'order-service'"))
                        .isEqualTo(3L * published.size() + shipped.size());
                Poll.until("the gauge back to 0", Duration.ofSeconds(30), () -> gauge(get(api + "/observe/metrics").body(),
                        "order_events_reprocess_running") == 0);
            } finally {
                for (AppProcess instance : analytics) {
                    instance.close();
                }
            }
            assertThat(services.stop()).isIn(0, 130, 143);
        }
        // the other services did their work once: one confirmation per order, two e-mails per order and one per order
        // shipped, nothing dead-lettered
        assertThat(published("orders", run, "order.status_changed").events()).isEqualTo(published.size() + shipped.size());
        assertThat(emailFiles()).isEqualTo(2L * published.size() + shipped.size());
        assertThat(deadLetters("orders.dlq", run)).isEmpty();
    }

    /** What is refused, with its reason: a service whose effects leave the application, and dates too old. */
    private void assertRefusals(String api, Instant from) throws Exception {
        HttpResponse<String> email = post(api, Json.write(Map.of("service", "email-service", "from", from.toString())), TOKEN);
        assertThat(email.statusCode()).as(email.body()).isEqualTo(409);
        assertThat(email.body()).contains("e-mail", "nothing was reprocessed");
        HttpResponse<String> inventory = post(api, Json.write(Map.of("service", "inventory-service", "from", from.toString())), TOKEN);
        assertThat(inventory.statusCode()).as(inventory.body()).isEqualTo(409);
        assertThat(inventory.body()).contains("reserve the stock again");
        Instant old = Instant.now().minus(Duration.ofDays(15));
        HttpResponse<String> tooOld = post(api, Json.write(Map.of("service", "analytics-service", "from", old.toString())), TOKEN);
        assertThat(tooOld.statusCode()).as(tooOld.body()).isEqualTo(409);
        assertThat(tooOld.body()).contains(old.toString(), "retention");
        HttpResponse<String> noToken = post(api, Json.write(Map.of("service", "analytics-service", "from", from.toString())), "wrong");
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> badTime = post(api, "{\"service\": \"analytics-service\", \"from\": \"yesterday\"}", TOKEN);
        assertThat(badTime.statusCode()).as(badTime.body()).isEqualTo(400);
        assertThat(badTime.body()).contains("\"field\":\"from\"");
    }

    String database() {
        return "H2 server";
    }

    private Map<String, String> properties(String services) throws Exception {
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("services", services);
        properties.put("admin.token", TOKEN);
        // a small batch and a short lease: the run spans many transactions, and a dead holder's run is taken over soon
        properties.put("reprocess.batch-size", "25");
        properties.put("reprocess.lease-ms", "3000");
        return properties;
    }

    /** An instance of analytics-service and order-service. */
    private AppProcess analytics(Path routes, String name) throws Exception {
        Map<String, String> properties = properties("analytics-service,order-service");
        if (routes != null) {
            properties.put("routes.dir", routes.toString());
        }
        return AppProcess.start(properties, log("reprocess-" + name + "-" + database()));
    }

    /** A rolling restart: the instance stops (SIGTERM) and its successor starts. */
    private AppProcess restart(AppProcess instance, Path routes, String name) throws Exception {
        assertThat(instance.stop()).isIn(0, 130, 143);
        return analytics(routes, name);
    }

    /**
     * The packaged routes with a bug in analytics-service and order-service: an order.created (an order.status_changed)
     * whose event id ends in 3 is claimed, not counted (not applied).
     */
    private Path buggyRoutes() throws Exception {
        Path dir = Files.createDirectories(dataDir.resolve("buggy-routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        skipIdsEndingIn3(dir.resolve("analytics-service.camel.yaml"), "orderTotals", "add");
        skipIdsEndingIn3(dir.resolve("order-service.camel.yaml"), "orderBook", "changeStatus");
        return dir;
    }

    private static void skipIdsEndingIn3(Path routes, String bean, String method) throws Exception {
        String indent = " ".repeat(24);
        String fixed = indent + "- bean:\n" + indent + "    ref: " + bean + "\n" + indent + "    method: " + method + "\n";
        String buggy = indent + "- filter:\n" + indent + "    expression:\n" + indent + "      simple: \"${header.event_id} !regex '.*3$'\"\n"
                + indent + "    steps:\n" + indent + "      - bean:\n" + indent + "          ref: " + bean + "\n"
                + indent + "          method: " + method + "\n";
        String text = Files.readString(routes);
        assertThat(text).contains(fixed);
        Files.writeString(routes, text.replace(fixed, buggy));
    }

    /**
     * Every fifth order of from..from+count shipped by another producer, once every order is confirmed: keyed by its
     * order id, without user and event_type header, its time naive, as the seed's Python order service writes it.
     */
    private void shipEveryFifth(String run, int from, int count) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + count; i += 5) {
            String orderId = run + "-" + i;
            String value = Json.write(Map.of("event_id", run + "-shipped-" + i, "event_type", "order.status_changed",
                    "timestamp", "2026-11-23T09:00:00.123456", "data", Map.of("order_id", orderId, "status", "shipped",
                            "updated_at", "2026-11-23T09:00:00.123456")));
            records.add(new ProducerRecord<>("orders", bytes(orderId), bytes(value)));
            shipped.add(orderId);
        }
        publish(records);
        awaitProcessed(run, published.size(), Duration.ofMinutes(3));
    }

    /** Every order's confirmation and every shipping on the topic, every group's lag 0, their e-mails sent. */
    private void awaitProcessed(String run, int orders, Duration timeout) throws Exception {
        awaitAllProcessed(run, orders + shipped.size(), 2L * orders + shipped.size(), timeout);
    }

    /**
     * Each order of the run in order-service's orders table: its status, the event that began its history and its
     * changes' statuses (sorted).
     */
    private Map<String, String> orders(String run) throws Exception {
        Map<String, String> orders = new TreeMap<>();
        try (var dataSource = org.orderevents.db.Database.open(dbUrl(), dbUser(), "");
             var connection = dataSource.getConnection(); var statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT order_id, status, history FROM orders WHERE order_id LIKE '" + run + "-%'")) {
            while (rows.next()) {
                JsonNode history = Json.MAPPER.readTree(rows.getString(3));
                List<String> changes = new ArrayList<>();
                history.get("changes").forEach(change -> changes.add(change.get("status").asText()));
                Collections.sort(changes);
                orders.put(rows.getString(1), rows.getString(2) + " " + history.get("created").asText() + " " + changes);
            }
        }
        return orders;
    }

    /** The orders as a fresh order-service keeps them: confirmed (the stock is plenty), or shipped if they were. */
    private Map<String, String> freshOrders(String run) {
        Map<String, String> orders = new TreeMap<>();
        synchronized (published) {
            for (int i = 0; i < published.size(); i++) {
                String orderId = run + "-" + i;
                orders.put(orderId, shipped.contains(orderId) ? "shipped " + published.get(i)[0] + " [confirmed, shipped]"
                        : "confirmed " + published.get(i)[0] + " [confirmed]");
            }
        }
        return orders;
    }

    private static long differences(Map<String, String> statuses, Map<String, String> expected) {
        return expected.entrySet().stream().filter(e -> !e.getValue().equals(statuses.get(e.getKey()))).count();
    }

    /**
     * Orders from..from+count of the run: 40 users, 6 hours, totals from 0.01 to 99.99; the last third of those with the
     * bug of {@link #LATE_HOUR}.
     */
    private void publishRun(String run, int from, int count) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String eventId = run + "-event-" + i;
            String user = "user-" + random.nextInt(40);
            boolean late = i >= BEFORE_THE_BUG + WITH_THE_BUG * 2 / 3 && i < BEFORE_THE_BUG + WITH_THE_BUG;
            String hour = late ? LATE_HOUR : "2026-11-22T" + (10 + random.nextInt(6));
            BigDecimal total = BigDecimal.valueOf(1 + random.nextInt(9999), 2);
            synchronized (published) {
                published.add(new String[] {eventId, user, hour + ":00", total.toPlainString()});
            }
            String value = Json.write(Map.of("event_id", eventId, "event_type", "order.created", "timestamp", Instant.now().toString(),
                    "data", Map.of("order_id", run + "-" + i, "user_id", user, "status", "pending", "total", total,
                            "created_at", hour + ":15:00Z", "items", List.of(Map.of("product_id", "sticker", "name", "sticker",
                                    "quantity", 1, "price", total)))));
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("orders", bytes(user), bytes(value));
            record.headers().add("event_type", bytes("order.created"));
            records.add(record);
        }
        // in chunks, so that orders keep arriving while a reprocess runs
        for (int i = 0; i < records.size(); i += 50) {
            publish(records.subList(i, Math.min(records.size(), i + 50)));
        }
    }

    private void publishRunUnchecked(String run, int from, int count) {
        try {
            publishRun(run, from, count);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** GET /analytics as a fresh count of every order published would answer it. */
    private JsonNode freshCount() {
        long orders = 0;
        BigDecimal revenue = BigDecimal.ZERO;
        Map<String, Long> byHour = new TreeMap<>();
        Map<String, BigDecimal> byUser = new TreeMap<>();
        synchronized (published) {
            for (String[] order : published) {
                BigDecimal total = new BigDecimal(order[3]);
                orders++;
                revenue = revenue.add(total);
                byHour.merge(order[2], 1L, Long::sum);
                byUser.merge(order[1], total, BigDecimal::add);
            }
        }
        Map<String, Object> figures = new java.util.LinkedHashMap<>();
        figures.put("total_orders", orders);
        figures.put("total_revenue", revenue.setScale(2));
        figures.put("avg_order_value", orders == 0 ? BigDecimal.ZERO.setScale(2)
                : revenue.divide(BigDecimal.valueOf(orders), 2, java.math.RoundingMode.HALF_UP));
        figures.put("orders_by_hour", byHour);
        Map<String, BigDecimal> users = new TreeMap<>();
        byUser.forEach((user, sum) -> users.put(user, sum.setScale(2)));
        figures.put("revenue_by_user", users);
        return Json.MAPPER.valueToTree(figures);
    }

    private static JsonNode figures(String api) throws Exception {
        JsonNode figures = Json.MAPPER.readTree(get(api + "/analytics").body());
        // revenue as exact decimals, whatever scale the database answers with
        Map<String, Object> normal = new java.util.LinkedHashMap<>();
        normal.put("total_orders", figures.get("total_orders").asLong());
        normal.put("total_revenue", figures.get("total_revenue").decimalValue().setScale(2));
        normal.put("avg_order_value", figures.get("avg_order_value").decimalValue().setScale(2));
        Map<String, Long> byHour = new TreeMap<>();
        figures.get("orders_by_hour").fields().forEachRemaining(e -> byHour.put(e.getKey(), e.getValue().asLong()));
        normal.put("orders_by_hour", byHour);
        Map<String, BigDecimal> byUser = new TreeMap<>();
        figures.get("revenue_by_user").fields().forEachRemaining(e -> byUser.put(e.getKey(), e.getValue().decimalValue().setScale(2)));
        normal.put("revenue_by_user", byUser);
        return Json.MAPPER.valueToTree(normal);
    }

    /** A transaction that holds the row (a SELECT of one row, its parameter) until it ends. */
    private Connection lockRow(String select, String key) throws Exception {
        Connection connection = DriverManager.getConnection(dbUrl(), dbUser(), "");
        connection.setAutoCommit(false);
        try (var statement = connection.prepareStatement(select + " FOR UPDATE")) {
            statement.setString(1, key);
            try (var rows = statement.executeQuery()) {
                assertThat(rows.next()).as("the row of " + key).isTrue();
            }
        }
        return connection;
    }

    /** The instance that holds the run under way (its owner names the JVM's pid). */
    private int holderOf(AppProcess[] analytics) throws Exception {
        String owner = queryText("SELECT owner FROM reprocess_runs WHERE state = 'running' AND service = 'analytics-service'");
        for (int i = 0; i < analytics.length; i++) {
            if (owner != null && owner.startsWith(analytics[i].pid() + "@")) {
                return i;
            }
        }
        throw new AssertionError("no instance holds the run: owner " + owner);
    }

    private String queryText(String sql) throws Exception {
        try (var dataSource = org.orderevents.db.Database.open(dbUrl(), dbUser(), "");
             var connection = dataSource.getConnection(); var statement = connection.createStatement();
             var rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    private static JsonNode lastRun(String api) throws Exception {
        return lastRun(api, "analytics-service");
    }

    /** The service's newest run. */
    private static JsonNode lastRun(String api, String service) throws Exception {
        for (JsonNode run : Json.MAPPER.readTree(get(api + "/admin/reprocess").body())) {
            if (run.get("service").asText().equals(service)) {
                return run;
            }
        }
        throw new AssertionError("no run of " + service);
    }

    /** The gauge's value for analytics-service on the Prometheus page; -1 when it is not there. */
    private static long gauge(String metrics, String name) {
        return gauge(metrics, name, "analytics-service");
    }

    private static long gauge(String metrics, String name, String service) {
        return metrics.lines().filter(line -> line.startsWith(name + "{") && line.contains("service=\"" + service + "\""))
                .map(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst().orElse(-1L);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create(url)).build());
    }

    private static HttpResponse<String> post(String api, String body, String token) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create(api + "/admin/reprocess")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }
}
