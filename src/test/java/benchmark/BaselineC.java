package benchmark;

import com.fasterxml.jackson.core.type.TypeReference;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.orderevents.db.Database;
import org.orderevents.db.MultiRowInsert;
import org.orderevents.db.ProcessedEvents;
import org.orderevents.event.Event;
import org.orderevents.event.EventCodec;
import org.orderevents.event.InventoryFailed;
import org.orderevents.event.InventoryFailed.MissingItem;
import org.orderevents.event.InventoryReserved;
import org.orderevents.event.Json;
import org.orderevents.event.OrderCreated;
import org.orderevents.event.OrderEvent;
import org.orderevents.event.OrderItem;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Baseline C: what each service's durable work per order.created costs written by hand, with no Camel and no engine.
 * A plain kafka-clients consumer (no auto-commit, max.poll.records 2,000 as the services' batches) parses each event
 * with Jackson and, in one JDBC transaction per poll on a HikariCP pool, claims the poll's events in processed_events
 * (the project's claim statement, as multi-row INSERTs) and writes the service's rows for the new ones as JDBC batches
 * and multi-row INSERTs; it commits the offsets after the database, then runs what follows that commit in the service
 * (the event outbox's relay, the e-mails' delivery). It runs on a fresh database with the application's schema and
 * stock ({@link BenchDatabase#prepareForApp}), with a group of its own, as processor and lifecycle group too.
 * What it leaves out is machinery, not rows: the JSON Schema check, Camel's exchanges, the batch's look-ups of known ids
 * and parked keys and the parking of failed events, the relay's lock across instances, the sender's transaction per e-mail.
 */
final class BaselineC {

    private static final TypeReference<Event<OrderCreated>> ORDER_CREATED = new TypeReference<>() { };
    private static final int MAX_POLL_RECORDS = 2000;
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);
    private static final String LIFECYCLE = "INSERT INTO order_lifecycle (group_id, order_id, status) VALUES (?, ?, ?) "
            + "ON CONFLICT DO NOTHING";

    private BaselineC() {
    }

    /** A run's events per second, and the counts it checked against the events (every event left its rows). */
    record Result(double rate, Map<String, Long> checked) {
    }

    /**
     * Baseline C of the service on this fresh database: events per second from the first poll that returns records to
     * the end of the last poll's work (its commit, and its relay or delivery), then the check that every event left
     * its rows. E-mails are written as .eml files under {@code dir/outbox}.
     */
    static Result run(String service, String brokers, int records, BenchDatabase database, Path dir) throws Exception {
        database.prepareForApp();
        String group = "bench-c-" + service + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (HikariDataSource dataSource = database.open(); Work work = work(service, group, brokers, dir);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers, ConsumerConfig.GROUP_ID_CONFIG, group,
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                     ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            ProcessedEvents claims = new ProcessedEvents(dataSource, group);
            consumer.subscribe(List.of("orders"));
            long read = 0;
            long start = 0;
            long deadline = System.nanoTime() + IDLE_TIMEOUT.toNanos();
            while (read < records) {
                ConsumerRecords<byte[], byte[]> poll = consumer.poll(Duration.ofMillis(100));
                if (poll.isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("baseline C of " + service + " read only " + read + " of " + records);
                    }
                    continue;
                }
                if (start == 0) {
                    start = System.nanoTime();
                }
                List<Event<OrderCreated>> events = parse(poll);
                try (Connection connection = dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    Set<String> fresh = claims.claimAll(connection, events.stream().map(Event::eventId).toList());
                    work.write(connection, events.stream().filter(event -> fresh.contains(event.eventId())).toList());
                    connection.commit();
                }
                consumer.commitSync();
                work.afterCommit(dataSource);
                read += poll.count();
                deadline = System.nanoTime() + IDLE_TIMEOUT.toNanos();
            }
            double rate = read / ((System.nanoTime() - start) / 1e9);
            Map<String, Long> checked = new LinkedHashMap<>();
            try (Connection connection = dataSource.getConnection()) {
                checked.put("processed_events", count(connection,
                        "SELECT COUNT(*) FROM processed_events WHERE processor_name = ?", group));
                work.countRows(connection, checked);
            }
            checked.forEach((what, count) -> expect(service, what, count, records));
            return new Result(rate, checked);
        }
    }

    /** The poll's order.created events, parsed with the project's mapper into its event records. */
    private static List<Event<OrderCreated>> parse(ConsumerRecords<byte[], byte[]> poll) throws IOException {
        List<Event<OrderCreated>> events = new ArrayList<>(poll.count());
        for (ConsumerRecord<byte[], byte[]> record : poll) {
            Event<OrderCreated> event = Json.MAPPER.readValue(record.value(), ORDER_CREATED);
            if (!OrderCreated.TYPE.equals(event.eventType())) {
                throw new IllegalStateException("the benchmark's topic holds order.created only, not " + event.eventType());
            }
            events.add(event);
        }
        return events;
    }

    private static Work work(String service, String group, String brokers, Path dir) throws IOException {
        return switch (service) {
            case "email-service" -> new Emails(group, dir.resolve("outbox"));
            case "inventory-service" -> new Inventory(group, brokers);
            case "analytics-service" -> new Analytics();
            case "order-service" -> new Orders();
            default -> throw new IllegalArgumentException("no baseline C for service " + service);
        };
    }

    /** One service's part of baseline C: its rows in the poll's transaction, and what follows the commit. */
    private interface Work extends AutoCloseable {

        /** The service's rows for the poll's newly claimed events, in the poll's transaction (not committed here). */
        void write(Connection connection, List<Event<OrderCreated>> events) throws Exception;

        /** After the poll's database and offset commits: the relay or the delivery of what {@link #write} left. */
        default void afterCommit(DataSource dataSource) throws Exception {
        }

        /** After the run: the counts of the service's rows, each to be the number of events. */
        void countRows(Connection connection, Map<String, Long> counts) throws Exception;

        @Override
        default void close() {
        }
    }

    /** order-service: the orders row of each order, its history begun by the order.created (OrderBook's INSERT). */
    private static final class Orders implements Work {

        private static final MultiRowInsert ORDERS = new MultiRowInsert("INSERT INTO orders (order_id, user_id, items, total, "
                + "status, created_at, history) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");

        @Override
        public void write(Connection connection, List<Event<OrderCreated>> events) throws SQLException {
            ORDERS.write(connection, events.stream().map(event -> {
                OrderCreated order = event.data();
                return new Object[] {order.orderId(), order.userId(), Json.write(order.items()), order.total(), order.status(),
                        order.createdAt(), "{\"created\":\"" + event.eventId() + "\",\"base\":{\"status\":\"pending\"},\"changes\":[]}"};
            }).toList());
        }

        @Override
        public void countRows(Connection connection, Map<String, Long> counts) throws SQLException {
            counts.put("orders", count(connection, "SELECT COUNT(*) FROM orders"));
        }
    }

    /**
     * analytics-service: the poll's orders added up in memory, then, as OrderTotals writes them, a row per order
     * (analytics_orders), one UPDATE of the totals, and per table (orders by hour, revenue by user) a batch of UPDATEs
     * and a multi-row INSERT of the keys no row answered for.
     */
    private static final class Analytics implements Work {

        private static final MultiRowInsert ORDER_ROWS =
                new MultiRowInsert("INSERT INTO analytics_orders (event_id, user_id, order_hour, total) VALUES (?, ?, ?, ?)");

        @Override
        public void write(Connection connection, List<Event<OrderCreated>> events) throws SQLException {
            BigDecimal revenue = BigDecimal.ZERO;
            Map<String, Long> byHour = new TreeMap<>();
            Map<String, BigDecimal> byUser = new TreeMap<>();
            List<Object[]> rows = new ArrayList<>(events.size());
            for (Event<OrderCreated> event : events) {
                OrderCreated order = event.data();
                String hour = order.createdAt().substring(0, 13) + ":00";
                revenue = revenue.add(order.total());
                byHour.merge(hour, 1L, Long::sum);
                byUser.merge(order.userId(), order.total(), BigDecimal::add);
                rows.add(new Object[] {event.eventId(), order.userId(), hour, order.total()});
            }
            ORDER_ROWS.write(connection, rows);
            try (PreparedStatement update = connection.prepareStatement("UPDATE analytics_totals SET total_orders = total_orders + ?, "
                    + "total_revenue = total_revenue + ? WHERE id = 1")) {
                update.setLong(1, events.size());
                update.setBigDecimal(2, revenue);
                update.executeUpdate();
            }
            addAll(connection, "analytics_orders_by_hour", "order_hour", "orders", byHour);
            addAll(connection, "analytics_revenue_by_user", "user_id", "revenue", byUser);
        }

        /** Adds each value to its key's row: a batch of UPDATEs, then one multi-row INSERT of the keys that had none. */
        private static void addAll(Connection connection, String table, String key, String column, Map<String, ?> values)
                throws SQLException {
            List<Object[]> missing = new ArrayList<>();
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE " + table + " SET " + column + " = " + column + " + ? WHERE " + key + " = ?")) {
                for (Map.Entry<String, ?> value : values.entrySet()) {
                    update.setObject(1, value.getValue());
                    update.setString(2, value.getKey());
                    update.addBatch();
                }
                int[] counts = update.executeBatch();
                int i = 0;
                for (Map.Entry<String, ?> value : values.entrySet()) {
                    if (Database.updateCount(counts[i++]) == 0) {
                        missing.add(new Object[] {value.getValue(), value.getKey()});
                    }
                }
            }
            int inserted = new MultiRowInsert("INSERT INTO " + table + " (" + column + ", " + key + ") VALUES (?, ?) "
                    + "ON CONFLICT DO NOTHING").write(connection, missing);
            if (inserted != missing.size()) {
                throw new SQLException((missing.size() - inserted) + " rows of " + table + " inserted by another writer meanwhile");
            }
        }

        @Override
        public void countRows(Connection connection, Map<String, Long> counts) throws SQLException {
            counts.put("analytics_totals.total_orders", count(connection, "SELECT total_orders FROM analytics_totals WHERE id = 1"));
            counts.put("analytics_orders_by_hour.orders", count(connection, "SELECT SUM(orders) FROM analytics_orders_by_hour"));
            counts.put("analytics_orders", count(connection, "SELECT COUNT(*) FROM analytics_orders"));
        }
    }

    /**
     * inventory-service: per order its lifecycle row, every item reserved or none (each product's stock row read
     * FOR UPDATE once per poll, in product order, reserved from in memory in the events' order, written back once per
     * product touched), a stock_reservations row per reserved order, and the result event (inventory.reserved or
     * inventory.failed, its id derived from the order's) into event_outbox. After the commit, the relay's own
     * transaction: the outbox rows read in id order, published to {@code inventory} (acks=all, idempotent, lz4, as the
     * application's producer), every acknowledgement awaited, the rows deleted, committed.
     */
    private static final class Inventory implements Work {

        private static final MultiRowInsert LIFECYCLE_ROWS = new MultiRowInsert(LIFECYCLE);
        private static final MultiRowInsert RESERVATIONS = new MultiRowInsert(
                "INSERT INTO stock_reservations (order_id, items) VALUES (?, ?) ON CONFLICT DO NOTHING");
        private static final MultiRowInsert OUTBOX = new MultiRowInsert("INSERT INTO event_outbox (topic, record_key, event_id, "
                + "event_type, payload) VALUES (?, ?, ?, ?, ?)");

        private final String group;
        private final KafkaProducer<byte[], byte[]> producer;
        private long published;

        Inventory(String group, String brokers) {
            this.group = group;
            this.producer = OrderEvents.producer(brokers, 0);
        }

        @Override
        public void write(Connection connection, List<Event<OrderCreated>> events) throws SQLException {
            List<Map<String, Integer>> wanted = new ArrayList<>(events.size());
            Set<String> products = new TreeSet<>();
            for (Event<OrderCreated> event : events) {
                Map<String, Integer> lines = new TreeMap<>();
                for (OrderItem item : event.data().items()) {
                    lines.merge(item.productId(), item.quantity(), Integer::sum);
                }
                wanted.add(lines);
                products.addAll(lines.keySet());
            }
            Map<String, Integer> available = lockStock(connection, products);
            Set<String> changed = new TreeSet<>();
            List<Object[]> lifecycle = new ArrayList<>(events.size());
            List<Object[]> reservations = new ArrayList<>(events.size());
            List<Object[]> outbox = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                Event<OrderCreated> event = events.get(i);
                OrderCreated order = event.data();
                lifecycle.add(new Object[] {group, order.orderId(), "pending"});
                List<MissingItem> missing = new ArrayList<>();
                wanted.get(i).forEach((product, quantity) -> {
                    int have = available.get(product);
                    if (have < quantity) {
                        missing.add(new MissingItem(product, quantity, have));
                    }
                });
                Event<? extends OrderEvent> result;
                if (missing.isEmpty()) {
                    wanted.get(i).forEach((product, quantity) -> available.merge(product, -quantity, Integer::sum));
                    changed.addAll(wanted.get(i).keySet());
                    reservations.add(new Object[] {order.orderId(), Json.write(wanted.get(i))});
                    result = derived(event, InventoryReserved.TYPE, new InventoryReserved(order.orderId(), order.userId(), order.items()));
                } else {
                    result = derived(event, InventoryFailed.TYPE, new InventoryFailed(order.orderId(), order.userId(), missing));
                }
                outbox.add(new Object[] {"inventory", order.userId(), result.eventId(), result.eventType(), Json.write(result)});
            }
            LIFECYCLE_ROWS.write(connection, lifecycle);
            try (PreparedStatement update = connection.prepareStatement("UPDATE stock SET available = ? WHERE product_id = ?")) {
                for (String product : changed) {
                    update.setInt(1, available.get(product));
                    update.setString(2, product);
                    update.addBatch();
                }
                update.executeBatch();
            }
            RESERVATIONS.write(connection, reservations);
            OUTBOX.write(connection, outbox);
        }

        /** The stock of the products, each row locked until the commit; 0 for a product the table does not have. */
        private static Map<String, Integer> lockStock(Connection connection, Set<String> products) throws SQLException {
            Map<String, Integer> available = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT available FROM stock WHERE product_id = ? FOR UPDATE")) {
                for (String product : products) {
                    select.setString(1, product);
                    try (ResultSet rows = select.executeQuery()) {
                        available.put(product, rows.next() ? rows.getInt(1) : 0);
                    }
                }
            }
            return available;
        }

        private static <T extends OrderEvent> Event<T> derived(Event<OrderCreated> source, String type, T data) {
            return new Event<>(EventCodec.derivedId(source.eventId(), type), type, EventCodec.now(), data);
        }

        /** The relay: publishes the committed outbox rows in id order and deletes them, in a transaction of its own. */
        @Override
        public void afterCommit(DataSource dataSource) throws Exception {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                List<Long> ids = new ArrayList<>();
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT id, topic, record_key, event_id, event_type, payload FROM event_outbox ORDER BY id");
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(rows.getString(2), utf8(rows.getString(3)),
                                utf8(rows.getString(6)));
                        record.headers().add(EventCodec.EVENT_ID, utf8(rows.getString(4)));
                        record.headers().add(EventCodec.EVENT_TYPE, utf8(rows.getString(5)));
                        sent.add(producer.send(record));
                    }
                }
                for (Future<RecordMetadata> acknowledged : sent) {
                    acknowledged.get(2, TimeUnit.MINUTES);
                }
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM event_outbox WHERE id = ?")) {
                    for (long id : ids) {
                        delete.setLong(1, id);
                        delete.addBatch();
                    }
                    delete.executeBatch();
                }
                connection.commit();
                published += ids.size();
            }
        }

        @Override
        public void countRows(Connection connection, Map<String, Long> counts) throws SQLException {
            counts.put("order_lifecycle", count(connection, "SELECT COUNT(*) FROM order_lifecycle WHERE group_id = ?", group));
            // the stock of prepareForApp reserves every order
            counts.put("stock_reservations", count(connection, "SELECT COUNT(*) FROM stock_reservations"));
            counts.put("results published", published);
            expect("inventory-service", "event_outbox rows left", count(connection, "SELECT COUNT(*) FROM event_outbox"), 0);
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    /**
     * email-service: per order its lifecycle row and its confirmation e-mail in email_outbox (OrderEmails' text, the
     * application's sender and recipient domain). After the commit, the delivery's own transaction: the poll's e-mails
     * marked sent (a batch of UPDATEs, each row locked), one .eml file written per e-mail (a MIME message as
     * OrderEmails.eml writes it; a plain write, as camel-file's), committed: a crash before the commit writes them again.
     */
    private static final class Emails implements Work {

        private static final String FROM = "orders@order-events.local";
        private static final String RECIPIENT_DOMAIN = "example.com";
        private static final Session SESSION = Session.getInstance(new Properties());
        private static final MultiRowInsert LIFECYCLE_ROWS = new MultiRowInsert(LIFECYCLE);
        private static final MultiRowInsert OUTBOX = new MultiRowInsert("INSERT INTO email_outbox (event_id, recipient, sender, "
                + "subject, body, created_at, attempts) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING");

        private record Email(String eventId, String to, String subject, String text) {
        }

        private final String group;
        private final Path outbox;
        /** The e-mails the last poll committed, delivered after its commit. */
        private List<Email> committed = List.of();

        Emails(String group, Path outbox) throws IOException {
            this.group = group;
            this.outbox = Files.createDirectories(outbox);
        }

        @Override
        public void write(Connection connection, List<Event<OrderCreated>> events) throws SQLException {
            List<Object[]> lifecycle = new ArrayList<>(events.size());
            List<Object[]> rows = new ArrayList<>(events.size());
            List<Email> emails = new ArrayList<>(events.size());
            Timestamp now = new Timestamp(System.currentTimeMillis());
            for (Event<OrderCreated> event : events) {
                OrderCreated order = event.data();
                lifecycle.add(new Object[] {group, order.orderId(), "pending"});
                Email email = confirmation(event.eventId(), order);
                rows.add(new Object[] {email.eventId(), email.to(), FROM, email.subject(), email.text(), now});
                emails.add(email);
            }
            LIFECYCLE_ROWS.write(connection, lifecycle);
            OUTBOX.write(connection, rows);
            committed = emails;
        }

        /** The confirmation as OrderEmails composes it. */
        private static Email confirmation(String eventId, OrderCreated order) {
            StringBuilder text = new StringBuilder()
                    .append("Hello ").append(order.userId()).append(",\n\n")
                    .append("thank you for your order ").append(order.orderId()).append(".\n\n");
            for (OrderItem item : order.items()) {
                text.append("  ").append(item.quantity()).append(" x ").append(item.name())
                        .append(" (").append(item.productId()).append(") at ").append(money(item.price())).append('\n');
            }
            text.append("\nTotal: ").append(money(order.total())).append("\n\nWe will write again when your order is confirmed.\n");
            return new Email(eventId, order.userId() + "@" + RECIPIENT_DOMAIN, "Order " + order.orderId() + " received",
                    text.toString());
        }

        private static BigDecimal money(BigDecimal amount) {
            return amount.setScale(2, RoundingMode.HALF_UP);
        }

        /** The delivery of the last poll's e-mails. */
        @Override
        public void afterCommit(DataSource dataSource) throws Exception {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try (PreparedStatement update = connection.prepareStatement(
                        "UPDATE email_outbox SET sent_at = ? WHERE event_id = ? AND sent_at IS NULL")) {
                    Timestamp now = new Timestamp(System.currentTimeMillis());
                    for (Email email : committed) {
                        update.setTimestamp(1, now);
                        update.setString(2, email.eventId());
                        update.addBatch();
                    }
                    for (int count : update.executeBatch()) {
                        if (Database.updateCount(count) != 1) {
                            throw new IllegalStateException("an e-mail of the poll was not in the outbox unsent");
                        }
                    }
                }
                for (Email email : committed) {
                    Files.write(outbox.resolve(email.eventId() + ".eml"), eml(email));
                }
                connection.commit();
            }
            committed = List.of();
        }

        /** The e-mail as an RFC 5322 message, as OrderEmails.eml writes it. */
        private static byte[] eml(Email email) throws MessagingException, IOException {
            MimeMessage mail = new MimeMessage(SESSION) {
                @Override
                protected void updateMessageID() throws MessagingException {
                    setHeader("Message-ID", "<" + email.eventId() + "@order-events>");
                }
            };
            mail.setFrom(new InternetAddress(FROM));
            mail.setRecipient(RecipientType.TO, new InternetAddress(email.to()));
            mail.setSubject(email.subject(), "UTF-8");
            mail.setSentDate(new Date());
            mail.setText(email.text(), "UTF-8");
            mail.saveChanges();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            mail.writeTo(out);
            return out.toByteArray();
        }

        @Override
        public void countRows(Connection connection, Map<String, Long> counts) throws Exception {
            counts.put("order_lifecycle", count(connection, "SELECT COUNT(*) FROM order_lifecycle WHERE group_id = ?", group));
            counts.put("email_outbox sent", count(connection, "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NOT NULL"));
            try (Stream<Path> files = Files.list(outbox)) {
                counts.put(".eml files", files.count());
            }
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The single number the query answers (0 for none). */
    private static long count(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    private static void expect(String service, String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException("baseline C of " + service + ": " + what + " " + actual + ", expected " + expected);
        }
    }
}
