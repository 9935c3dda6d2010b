package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Route;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.orderevents.event.Json;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.TopicSetup;

import javax.sql.DataSource;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Base of the route tests: the application as camel-main runs it (same routes, same configuration), against one real
 * Kafka broker per JVM and a fresh H2 file database, data directory and HTTP port per test. Extend it to test a route:
 * send an event with {@link #send}, wait for its effect with {@link #awaitHandled} or {@link #awaitRounds} (a service
 * commits a poll's batch, so one exchange of its route may hold several events), read the effect with
 * {@link #queryLong} or the dead letters with {@link #deadLetters}.
 */
public abstract class OrderEventsTestSupport extends CamelMainTestSupport {

    protected Path dataDir;
    protected int httpPort;
    private KafkaProducer<byte[], byte[]> producer;
    private EmbeddedKafka ownBroker;
    private Path ownBrokerDir;
    /** The PostgreSQL schema of a production-profile test; set while the constructor runs, so no initialiser. */
    protected String schema;
    /** The properties the test overrides; set while the constructor runs, so no initialiser. */
    private Properties overrides;

    @Override
    protected Class<?> getMainClass() {
        return App.class;
    }

    /** The route files of the services the test runs ({@code services}, {@code routes.dir}), as {@link App} chooses them. */
    @Override
    protected void configure(MainConfigurationProperties configuration) {
        configuration.addMainListener(new ServiceRoutes(key -> Optional.ofNullable(overrides.getProperty(key))));
    }

    @Override
    protected void doPreSetup() throws Exception {
        if (onPostgres()) {
            assumeTrue(TestPostgres.reachable(), TestPostgres.UNREACHABLE);
        }
        TestBroker.moveGroupsToEnd();
    }

    /**
     * True for a test of the production profile: the application on PostgreSQL ({@link TestPostgres}), in a schema of
     * the test's own, dropped afterwards; skipped, with a message, when PostgreSQL is not reachable.
     */
    protected boolean onPostgres() {
        return false;
    }

    /**
     * Before a test sends anything, every service's consumer group has all its members and its partitions: otherwise
     * a reply (an inventory result) can overtake the event it answers while order-service's group is still joining.
     */
    @Override
    protected void doPostSetup() throws Exception {
        TestBroker.awaitGroupsStable(brokers(), runningGroups());
    }

    /** The consumer groups of the Kafka routes the application runs (from YAML or Java), with their topics and routes. */
    private Map<String, TestBroker.Group> runningGroups() {
        Map<String, Set<String>> topics = new TreeMap<>();
        Map<String, Integer> members = new TreeMap<>();
        for (Route route : context.getRoutes()) {
            if (route.getEndpoint() instanceof KafkaEndpoint kafka) {
                String group = kafka.getConfiguration().getGroupId();
                topics.computeIfAbsent(group, g -> new TreeSet<>()).add(kafka.getConfiguration().getTopic());
                members.merge(group, 1, Integer::sum);
            }
        }
        Map<String, TestBroker.Group> groups = new TreeMap<>();
        topics.forEach((group, read) -> groups.put(group, new TestBroker.Group(read, members.get(group))));
        return groups;
    }

    /** Called by CamelTestSupport's constructor, before this class's fields are initialised: no field initialisers here. */
    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        try {
            dataDir = Files.createTempDirectory("order-events-test");
            httpPort = freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Properties properties = new Properties();
        properties.put("kafka.brokers", TestBroker.bootstrapServers());
        properties.put("data.dir", dataDir.toString());
        properties.put("db.url", "jdbc:h2:file:" + dataDir.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");
        properties.put("http.port", String.valueOf(httpPort));
        // the contract's back-off (1 s, x2) shortened so a test waits 0.7 s rather than 7 s for three retries
        properties.put("retry.delay-ms", "100");
        properties.put("retry.unknown-order.max-redeliveries", "3");
        if (onPostgres() && TestPostgres.reachable()) {
            schema = TestPostgres.createSchema();
            properties.put("db.url", TestPostgres.url(schema));
            properties.put("db.user", TestPostgres.USER);
            properties.put("db.password", "");
        }
        properties.putAll(overrideProperties());
        overrides = properties;
        return properties;
    }

    /**
     * A broker of the test's own, with the contract's topics, for a test that stops or changes its broker and must
     * leave the shared one alone; closed after the test. Call it from {@link #overrideProperties()}.
     */
    protected EmbeddedKafka startOwnBroker() {
        try {
            ownBrokerDir = Files.createTempDirectory("order-events-own-kafka");
            ownBroker = EmbeddedKafka.start(ownBrokerDir, 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        TopicSetup.createMissing(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ownBroker.bootstrapServers()), 3, (short) 1);
        return ownBroker;
    }

    /** Stops the test's own broker ({@link #startOwnBroker}). */
    protected void stopOwnBroker() {
        ownBroker.close();
    }

    /** Starts the test's own broker again, on its port and data. */
    protected void restartOwnBroker() {
        int port = Integer.parseInt(ownBroker.bootstrapServers().replaceFirst("^.*:", ""));
        ownBroker = EmbeddedKafka.start(ownBrokerDir, port);
    }

    /** Properties a test class changes on top of the test defaults. */
    protected Map<String, String> overrideProperties() {
        return Map.of();
    }

    // ---- Kafka

    /** The broker the application under test uses (the shared test broker unless the test class chose another). */
    protected String brokers() {
        return context.resolvePropertyPlaceholders("{{kafka.brokers}}");
    }

    protected void send(String topic, String key, String value, Map<String, String> headers) {
        send(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers);
    }

    /** A record whose value is these bytes, as they are: a producer's bytes that need not be UTF-8. */
    protected void send(String topic, String key, byte[] value, Map<String, String> headers) {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers(),
                    ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
        headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends an event in the contract's envelope, keyed by user; returns its event_id. */
    protected String sendEvent(String topic, String type, String userId, Map<String, Object> data) {
        String eventId = UUID.randomUUID().toString();
        send(topic, userId, envelope(eventId, type, data), Map.of("event_type", type));
        return eventId;
    }

    /** An event in the contract's envelope, as JSON, with the id given: send it twice to test a duplicate. */
    protected static String envelope(String eventId, String type, Map<String, Object> data) {
        return Json.write(Map.of("event_id", eventId, "event_type", type, "timestamp", Instant.now().toString(), "data", data));
    }

    /** Sends the record of an event again, key, headers and value unchanged: what a consumer sees after a crash. */
    protected void resend(String topic, String eventId) {
        ConsumerRecord<byte[], byte[]> record = records(topic, r -> r.value() != null && text(r.value()).contains(eventId), 1, Duration.ofSeconds(30))
                .stream().findFirst().orElseThrow(() -> new AssertionError("no record of event " + eventId + " on " + topic));
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        record.headers().forEach(h -> headers.put(h.key(), text(h.value())));
        send(topic, record.key() == null ? null : text(record.key()), text(record.value()), headers);
    }

    protected static Map<String, Object> orderCreated(String orderId, String userId, String productId, int quantity, String price) {
        return Map.of("order_id", orderId, "user_id", userId, "status", "pending", "created_at", Instant.now().toString(),
                "total", new java.math.BigDecimal(price).multiply(java.math.BigDecimal.valueOf(quantity)),
                "items", List.of(Map.of("product_id", productId, "name", productId, "quantity", quantity,
                        "price", new java.math.BigDecimal(price))));
    }

    /** Every record of a topic, read from its beginning, that matches; waits until {@code count} matched or fails. */
    protected List<ConsumerRecord<byte[], byte[]>> records(String topic, Predicate<ConsumerRecord<byte[], byte[]>> match,
            int count, Duration timeout) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, 3).mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
            Instant deadline = Instant.now().plus(timeout);
            while (found.size() < count && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> {
                    if (match.test(record)) {
                        found.add(record);
                    }
                });
            }
            return found;
        }
    }

    /** The dead letters of a topic whose value contains the marker (an id the test put in the event). */
    protected List<ConsumerRecord<byte[], byte[]>> deadLetters(String topic, String marker, int count) {
        return records(topic + ".dlq", r -> r.value() != null && text(r.value()).contains(marker), count, Duration.ofSeconds(30));
    }

    /** The dead letter that the group wrote for the event whose value contains the marker; fails after 30 s. */
    protected ConsumerRecord<byte[], byte[]> deadLetter(String topic, String marker, String group) {
        return records(topic + ".dlq", r -> r.value() != null && text(r.value()).contains(marker)
                && group.equals(header(r, "dlq.consumer.group")), 1, Duration.ofSeconds(30)).stream().findFirst()
                .orElseThrow(() -> new AssertionError("no dead letter of " + group + " on " + topic + ".dlq for " + marker));
    }

    protected static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : text(header.value());
    }

    protected static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- database

    protected long queryLong(String sql) throws SQLException {
        try (Connection connection = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class).getConnection();
             Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getLong(1) : -1;
        }
    }

    /** {@link #awaitRounds} of the e-mail outbox sender (every 200 ms, and after each email-service commit). */
    protected long awaitOutbox(String sql, LongPredicate until) throws Exception {
        return awaitRounds("email-outbox-sender", sql, until);
    }

    /**
     * Runs the query after each round of a route (a poll's batch of a service, a timer's tick) until its number
     * satisfies {@code until}; returns that number, or fails after 60 s. A service commits a batch, not an event, so
     * a test waits for the effect rather than for an event's exchange.
     */
    protected long awaitRounds(String routeId, String sql, LongPredicate until) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            NotifyBuilder round = new NotifyBuilder(context).fromRoute(routeId).whenDone(1).create();
            long value = queryLong(sql);
            if (until.test(value)) {
                return value;
            }
            round.matches(5, SECONDS);
        }
        throw new AssertionError(routeId + " never brought the database to the expected state: " + sql + " gives "
                + queryLong(sql));
    }

    protected long available(String productId) throws SQLException {
        return queryLong("SELECT available FROM stock WHERE product_id = '" + productId + "'");
    }

    // ---- HTTP

    /** GET /analytics once it counts {@code orders}: analytics commits per batch, so this waits batch by batch. */
    protected JsonNode awaitAnalytics(long orders) throws Exception {
        for (int batch = 0; batch < 24; batch++) {
            JsonNode figures = json(http("GET", "/analytics", null).body());
            if (figures.get("total_orders").asLong() >= orders) {
                assertThat(figures.get("total_orders").asLong()).isEqualTo(orders);
                return figures;
            }
            new NotifyBuilder(context).fromRoute("analytics-service").whenCompleted(1).create().matches(5, SECONDS);
        }
        throw new AssertionError("analytics never reached " + orders + " orders");
    }


    protected HttpResponse<String> http(String method, String path, String body) throws IOException, InterruptedException {
        return http(method, path, body, Map.of());
    }

    /** A JSON request to the application, with extra headers (an Authorization header, say). */
    protected HttpResponse<String> http(String method, String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        headers.forEach(request::header);
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return TestHttp.send(request.build());
    }

    /**
     * The sum of a metric's samples on GET /observe/metrics whose labels include the given ones (name, value, ...);
     * NaN when there is none.
     */
    protected double metric(String name, String... labels) throws IOException, InterruptedException {
        double sum = Double.NaN;
        for (String line : http("GET", "/observe/metrics", null).body().split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= line.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (match) {
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                sum = Double.isNaN(sum) ? value : sum + value;
            }
        }
        return sum;
    }

    /**
     * Waits until the service (its consumer group) has handled this many events since the test's application started:
     * processed, skipped (duplicate or unhandled) or dead-lettered, each counted once its transaction committed.
     * A service commits a poll's batch, so this, not a count of its route's exchanges, tells that its events are done.
     */
    protected void awaitHandled(String service, int events) throws Exception {
        Poll.until(service + " handling " + events + " events", Duration.ofSeconds(30), () -> handled(service) >= events);
    }

    private double handled(String service) throws IOException, InterruptedException {
        double handled = 0;
        for (String counter : List.of("order_events_processed_total", "order_events_skipped_total", "order_events_dead_lettered_total")) {
            double value = metric(counter, "service", service);
            handled += Double.isNaN(value) ? 0 : value;
        }
        return handled;
    }

    protected static JsonNode json(String body) throws IOException {
        return Json.MAPPER.readTree(body);
    }

    // ---- scenarios shared by the database profiles

    /**
     * Two orders in at the API, one confirmed and one rejected; every service's effect out, exact: statuses, stock,
     * analytics, four e-mails and two order rows. EndToEndTest runs it on H2, PostgresProfileTest on PostgreSQL.
     */
    protected void assertEveryServiceReactsToEachOrderExactlyOnce() throws Exception {
        String confirmed = orderId(http("POST", "/orders", OrderRequest.of("alice").item("book-camel", "Camel in Action", 2, "45.5")
                .item("mug", "Camel mug", 1, "12").json()).body());
        String rejected = orderId(http("POST", "/orders", OrderRequest.of("bob").item("mug", "Camel mug", 3, "12")
                .item("hoodie", "Kafka hoodie", 1, "60").json()).body());

        // the inventory results come back through order-service's inventory route
        awaitRounds("order-service-inventory", "SELECT COUNT(*) FROM orders WHERE status <> 'pending'", decided -> decided == 2);

        JsonNode first = json(http("GET", "/orders/" + confirmed, null).body());
        assertThat(first.get("status").asText()).isEqualTo("confirmed");
        JsonNode second = json(http("GET", "/orders/" + rejected, null).body());
        assertThat(second.get("status").asText()).isEqualTo("rejected");
        assertThat(second.get("reason").asText()).isEqualTo("out of stock: hoodie (requested 1, available 0)");

        JsonNode stock = json(http("GET", "/inventory", null).body());
        assertThat(available(stock, "book-camel")).isEqualTo(48);
        assertThat(available(stock, "mug")).as("bob's mugs were not taken").isEqualTo(99);
        assertThat(available(stock, "hoodie")).isZero();

        JsonNode analytics = awaitAnalytics(2);
        assertThat(analytics.get("total_revenue").decimalValue()).isEqualByComparingTo("199.00");
        assertThat(analytics.get("avg_order_value").decimalValue()).isEqualByComparingTo("99.50");
        assertThat(analytics.at("/revenue_by_user/alice").decimalValue()).isEqualByComparingTo("103.00");
        assertThat(analytics.at("/revenue_by_user/bob").decimalValue()).isEqualByComparingTo("96.00");
        assertThat(analytics.get("orders_by_hour").size()).isEqualTo(1);

        awaitOutbox("SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL", sent -> sent == 4);
        assertThat(queryLong("SELECT COUNT(*) FROM email_outbox")).isEqualTo(4);
        List<String> mails;
        try (var files = Files.list(dataDir.resolve("outbox"))) {
            mails = files.map(file -> {
                try {
                    return Files.readString(file);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
        assertThat(mails).hasSize(4);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + confirmed + " received")).hasSize(1);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + confirmed + " confirmed")).hasSize(1);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + rejected + " received")).hasSize(1);
        assertThat(mails).filteredOn(m -> m.contains("Subject: Order " + rejected + " rejected")).hasSize(1);
        assertThat(queryLong("SELECT COUNT(*) FROM orders")).isEqualTo(2);
    }

    protected static String orderId(String body) throws IOException {
        return json(body).get("order_id").asText();
    }

    /** The stock of one product in a GET /inventory answer. */
    protected static int available(JsonNode stock, String productId) {
        for (JsonNode product : stock) {
            if (product.get("product_id").asText().equals(productId)) {
                return product.get("available").asInt();
            }
        }
        throw new AssertionError("no product " + productId);
    }

    @Override
    public void doPostTearDown() throws Exception {
        if (producer != null) {
            producer.close();
            producer = null;
        }
        if (schema != null) {
            // stopped first: its timers would otherwise query a schema that is gone
            context.stop();
            TestPostgres.dropSchema(schema);
        }
        if (ownBroker != null) {
            // camel-test stops the context after this method: stopped here first, its consumers and producers close
            // while their broker still answers (closed after them, each waited 30 s or more for a broker that was gone)
            context.stop();
            ownBroker.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
