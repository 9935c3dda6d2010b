package org.orderevents.analytics;

import org.apache.camel.Exchange;
import org.orderevents.db.Database;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.MultiRowInsert;
import org.orderevents.db.TransactionScope;
import org.orderevents.event.Event;
import org.orderevents.event.OrderCreated;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * analytics-service: order count, revenue, average order value, orders per hour and revenue per user. Each order of a
 * batch is added to figures held for the batch's transaction ({@link TransactionScope}), written as one UPDATE of the
 * totals and one per hour and user just before the commit, like the inventory ledger's stock: the same rows many
 * orders change are written once per transaction, not once per order.
 */
public class OrderTotals {

    /** Route step, in the event's transaction: the order counts once its claim and the batch commit. */
    public void add(Event<OrderCreated> event, Exchange exchange) {
        EventTransaction.requiredScope(exchange).held(OrderTotals.class, Figures::new).add(event.data());
    }

    /** The figures of one transaction's orders, added to the tables' rows before it commits. */
    private static final class Figures implements TransactionScope.Held {

        private long orders;
        private BigDecimal revenue = BigDecimal.ZERO;
        private final Map<String, Long> byHour = new TreeMap<>();
        private final Map<String, BigDecimal> byUser = new TreeMap<>();

        void add(OrderCreated order) {
            orders++;
            revenue = revenue.add(order.total());
            byHour.merge(order.createdAt().substring(0, 13) + ":00", 1L, Long::sum);
            byUser.merge(order.userId(), order.total(), BigDecimal::add);
        }

        @Override
        public void write(Connection connection) throws SQLException {
            addTotals(connection, orders, revenue);
            addAll(connection, "analytics_orders_by_hour", "order_hour", "orders", byHour);
            addAll(connection, "analytics_revenue_by_user", "user_id", "revenue", byUser);
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
