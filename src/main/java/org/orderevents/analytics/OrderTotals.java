package org.orderevents.analytics;

import org.apache.camel.Exchange;
import org.orderevents.db.Database;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.MultiRowInsert;
import org.orderevents.db.TransactionScope;
import org.orderevents.event.Event;
import org.orderevents.event.OrderCreated;
import org.orderevents.reprocess.Reprocessable;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * analytics-service: order count, revenue, average order value, orders per hour and revenue per user. Each order it
 * counts is a row of {@code analytics_orders} (its event id, user, hour and total), and the figures are those rows'
 * sums, kept as running sums for fast reads: each order of a batch is added to figures held for the batch's
 * transaction ({@link TransactionScope}), written as one UPDATE of the totals and one per hour and user just before the
 * commit, with the batch's order rows. A reprocess takes orders out again by their rows ({@link #takeOut}).
 */
public class OrderTotals implements Reprocessable {

    private static final MultiRowInsert ORDER_ROWS =
            new MultiRowInsert("INSERT INTO analytics_orders (event_id, user_id, order_hour, total) VALUES (?, ?, ?, ?)");

    /** Route step, in the event's transaction: the order counts once its claim and the batch commit. */
    public void add(Event<OrderCreated> event, Exchange exchange) {
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        OrderCreated order = event.data();
        String hour = order.createdAt().substring(0, 13) + ":00";
        Figures figures = figures(scope);
        figures.add(hour, order.userId(), order.total(), 1);
        figures.orderRows.add(new Object[] {event.eventId(), order.userId(), hour, order.total()});
    }

    /**
     * Takes the orders of these events out of the figures, in the reprocess's transaction: their rows are deleted and
     * their shares subtracted from the figures held for the transaction, so counting them again nets to no change.
     */
    @Override
    public void takeOut(TransactionScope scope, Map<String, byte[]> events) throws SQLException {
        List<String> eventIds = List.copyOf(events.keySet());
        Figures figures = figures(scope);
        Connection connection = scope.connection();
        try (PreparedStatement select = connection.prepareStatement("SELECT t.id, o.user_id, o.order_hour, o.total "
                + "FROM UNNEST(?) AS t(id) JOIN analytics_orders o ON o.event_id = t.id")) {
            select.setArray(1, connection.createArrayOf("varchar", eventIds.toArray()));
            List<String> counted = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    counted.add(rows.getString(1));
                    figures.add(rows.getString(3), rows.getString(2), rows.getBigDecimal(4).negate(), -1);
                }
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM analytics_orders WHERE event_id = ?")) {
                for (String id : counted) {
                    delete.setString(1, id);
                    delete.addBatch();
                }
                delete.executeBatch();
            }
        }
    }

    private static Figures figures(TransactionScope scope) {
        return scope.held(OrderTotals.class, Figures::new);
    }

    /** The changes of one transaction's orders, added to the tables' rows before it commits. */
    private static final class Figures implements TransactionScope.Held {

        private long orders;
        private BigDecimal revenue = BigDecimal.ZERO;
        private final Map<String, Long> byHour = new TreeMap<>();
        private final Map<String, BigDecimal> byUser = new TreeMap<>();
        private final Set<String> usersTakenOut = new TreeSet<>();
        private final List<Object[]> orderRows = new ArrayList<>();

        void add(String hour, String userId, BigDecimal total, int count) {
            orders += count;
            revenue = revenue.add(total);
            byHour.merge(hour, (long) count, Long::sum);
            byUser.merge(userId, total, BigDecimal::add);
            if (count < 0) {
                usersTakenOut.add(userId);
            }
        }

        @Override
        public void write(Connection connection) throws SQLException {
            ORDER_ROWS.write(connection, orderRows);
            addTotals(connection, orders, revenue);
            addAll(connection, "analytics_orders_by_hour", "order_hour", "orders", byHour);
            addAll(connection, "analytics_revenue_by_user", "user_id", "revenue", byUser);
            if (!usersTakenOut.isEmpty()) {
                dropEmptyRows(connection);
            }
        }

        /** After a take-out: an hour or a user left without orders has no row, as in a count that never had them. */
        private void dropEmptyRows(Connection connection) throws SQLException {
            try (PreparedStatement hours = connection.prepareStatement(
                    "DELETE FROM analytics_orders_by_hour WHERE order_hour = ? AND orders = 0")) {
                for (String hour : byHour.keySet()) {
                    hours.setString(1, hour);
                    hours.addBatch();
                }
                hours.executeBatch();
            }
            // revenue alone cannot tell: a user's orders may all be free; the order rows can (index analytics_orders_user)
            try (PreparedStatement users = connection.prepareStatement("DELETE FROM analytics_revenue_by_user WHERE user_id = ? "
                    + "AND NOT EXISTS (SELECT 1 FROM analytics_orders o WHERE o.user_id = ?)")) {
                for (String user : usersTakenOut) {
                    users.setString(1, user);
                    users.setString(2, user);
                    users.addBatch();
                }
                users.executeBatch();
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
