package org.orderevents.analytics;

import org.apache.camel.Exchange;
import org.orderevents.db.Database;
import org.orderevents.db.DatabaseOutage;
import org.orderevents.db.MultiRowInsert;
import org.orderevents.db.OutageClassifier;
import org.orderevents.db.ProcessedEvents;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.kafka.BatchOffsets;
import org.orderevents.event.Event;
import org.orderevents.event.EventCodec;
import org.orderevents.event.InvalidEventException;
import org.orderevents.event.Json;
import org.orderevents.event.OrderCreated;
import org.orderevents.metrics.EventMetrics;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * analytics-service: order count, revenue, average order value, orders per hour and revenue per user, kept from a
 * batch of records per poll. The batch's duplicate checks and its figures commit in one transaction; invalid records
 * of the batch are dead-lettered one by one and do not hold back the others.
 */
public class OrderTotals {

    private final DatabaseOutage outage;
    private final DataSource dataSource;
    private final ProcessedEvents processed;
    private final DeadLetters deadLetters;
    private final EventMetrics metrics;

    public OrderTotals(DataSource dataSource, ProcessedEvents processed, DeadLetters deadLetters, EventMetrics metrics,
            DatabaseOutage outage) {
        this.outage = outage;
        this.dataSource = dataSource;
        this.processed = processed;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    /** Route step: the body is the poll's batch, a list of exchanges of one record each. */
    @SuppressWarnings("unchecked")
    public void record(Exchange batch) throws Exception {
        List<Exchange> records = BatchOffsets.notTakenBack(batch.getMessage().getBody(List.class));
        List<OrderCreated> created = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        Map<Exchange, InvalidEventException> invalid = new LinkedHashMap<>();
        int unhandled = 0;
        for (Exchange record : records) {
            try {
                Event<?> event = EventCodec.parse(record.getMessage().getBody(byte[].class));
                if (event.data() instanceof OrderCreated order) {
                    created.add(order);
                    ids.add(event.eventId());
                } else {
                    unhandled++;
                }
            } catch (InvalidEventException e) {
                invalid.put(record, e);
            }
        }
        String service = EventMetrics.service(batch);
        int duplicates;
        try {
            duplicates = created.isEmpty() ? 0 : apply(created, ids);
        } catch (SQLException | RuntimeException e) {
            if (!OutageClassifier.isOutage(e)) {
                throw e;
            }
            outage.takeBack(service, records, e);
            return;
        }
        outage.over(service);
        for (Map.Entry<Exchange, InvalidEventException> bad : invalid.entrySet()) {
            deadLetters.send(bad.getKey().getMessage(), bad.getValue(), 1, service, batch.getFromRouteId());
        }
        metrics.processed(service, created.size() - duplicates);
        metrics.skipped(service, "unhandled", unhandled);
        metrics.skipped(service, "duplicate", duplicates);
        BatchOffsets.commit(records);
    }

    /** One transaction: claims the ids, adds the new orders to the figures; returns the number of duplicates. */
    private int apply(List<OrderCreated> created, List<String> ids) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Set<String> claimed = processed.claimAll(connection, ids);
                long orders = 0;
                BigDecimal revenue = BigDecimal.ZERO;
                Map<String, Long> byHour = new TreeMap<>();
                Map<String, BigDecimal> byUser = new TreeMap<>();
                for (int i = 0; i < created.size(); i++) {
                    if (!claimed.remove(ids.get(i))) {
                        continue;
                    }
                    OrderCreated order = created.get(i);
                    orders++;
                    revenue = revenue.add(order.total());
                    byHour.merge(order.createdAt().substring(0, 13) + ":00", 1L, Long::sum);
                    byUser.merge(order.userId(), order.total(), BigDecimal::add);
                }
                if (orders > 0) {
                    addTotals(connection, orders, revenue);
                    addAll(connection, "analytics_orders_by_hour", "order_hour", "orders", byHour);
                    addAll(connection, "analytics_revenue_by_user", "user_id", "revenue", byUser);
                }
                connection.commit();
                return created.size() - (int) orders;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private static void addTotals(Connection connection, long orders, BigDecimal revenue) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE analytics_totals SET total_orders = total_orders + ?, total_revenue = total_revenue + ? WHERE id = 1")) {
            update.setLong(1, orders);
            update.setBigDecimal(2, revenue);
            update.executeUpdate();
        }
    }

    /**
     * Adds each value to its row: an UPDATE for every key, then an INSERT of the keys no row answered for, and for a key
     * that another transaction inserted in between (the INSERT did nothing), the UPDATE again. The same statements on
     * H2 and PostgreSQL. Updating first matters on H2: its {@code ON CONFLICT DO NOTHING} builds and catches a
     * duplicate-key exception for every existing row.
     */
    private static void addAll(Connection connection, String table, String key, String column, Map<String, ?> values)
            throws SQLException {
        String update = "UPDATE " + table + " SET " + column + " = " + column + " + ? WHERE " + key + " = ?";
        Map<String, ?> missing = executeEach(connection, update, values);
        if (!missing.isEmpty()) {
            Map<String, Object> raced = new TreeMap<>(missing);
            List<Object[]> rows = missing.entrySet().stream().map(row -> new Object[] {row.getValue(), row.getKey()}).toList();
            new MultiRowInsert("INSERT INTO " + table + " (" + column + ", " + key + ") VALUES (?, ?) ON CONFLICT DO NOTHING")
                    .writeReturning(connection, rows, key).forEach(raced::remove);
            if (!raced.isEmpty() && !executeEach(connection, update, raced).isEmpty()) {
                throw new SQLException("rows of " + table + " neither inserted nor updated: " + raced.keySet());
            }
        }
    }

    /** Runs the statement (parameters: value, key) once per entry in one JDBC batch; returns the entries it changed no row for. */
    private static Map<String, ?> executeEach(Connection connection, String sql, Map<String, ?> values)
            throws SQLException {
        Map<String, Object> unchanged = new TreeMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (Map.Entry<String, ?> value : values.entrySet()) {
                statement.setObject(1, value.getValue());
                statement.setString(2, value.getKey());
                statement.addBatch();
            }
            int[] counts = statement.executeBatch();
            int i = 0;
            for (Map.Entry<String, ?> value : values.entrySet()) {
                if (Database.updateCount(counts[i++]) == 0) {
                    unchanged.put(value.getKey(), value.getValue());
                }
            }
        }
        return unchanged;
    }
}
