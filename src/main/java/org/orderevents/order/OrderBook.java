package org.orderevents.order;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.Exchange;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.MultiRowInsert;
import org.orderevents.db.TransactionScope;
import org.orderevents.event.Event;
import org.orderevents.event.EventCodec;
import org.orderevents.event.InventoryFailed;
import org.orderevents.event.InventoryReserved;
import org.orderevents.event.Json;
import org.orderevents.event.OrderCreated;
import org.orderevents.event.OrderItem;
import org.orderevents.event.OrderStatusChanged;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.order.OrderHistory.Entry;
import org.orderevents.order.OrderHistory.Folded;
import org.orderevents.order.OrderHistory.Status;
import org.orderevents.reprocess.Reprocessable;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * order-service: the orders table, kept from the events of the orders topic, and the answer to an inventory result.
 * Each event it applies to an order is kept in the order's history ({@link OrderHistory}), whose fold the order's
 * status is, so that a reprocess can take events out and apply them again ({@link #takeOut}).
 */
public class OrderBook implements Reprocessable {

    private static final String GROUP = "order-service";

    private final DataSource dataSource;
    private final EventMetrics metrics;

    private static final String INSERT = "INSERT INTO orders (order_id, user_id, items, total, status, created_at) "
            + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

    public OrderBook(DataSource dataSource, EventMetrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /** order.created: records an order it has not seen, so orders published by other producers are known too. */
    public void record(Event<OrderCreated> event, Exchange exchange) {
        // held, and written with the transaction's other new orders as multi-row INSERTs (before a step reads orders)
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        OrderCreated order = event.data();
        scope.rows(INSERT).add(row(order));
        scope.rows(OrderHistory.INSERT).add(OrderHistory.entry(exchange, event.eventId(), order.status(), null, null, true)
                .row(order.orderId()));
    }

    /** The order API's INSERT: at once, in the transaction that writes its order.created to the outbox. */
    static void insert(Connection connection, OrderCreated order) throws SQLException {
        new MultiRowInsert(INSERT).write(connection, List.<Object[]>of(row(order)));
    }

    /** The parameters of {@link #INSERT} for the order. */
    private static Object[] row(OrderCreated order) {
        return new Object[] {order.orderId(), order.userId(), Json.write(order.items()), order.total(), order.status(),
                order.createdAt()};
    }

    /**
     * order.status_changed: joins the order's history, and the order takes the status the history's fold gives: the new
     * one, if its lifecycle allows it ({@link OrderLifecycle}). An order whose order.created this service has not applied
     * yet (the API writes the row first) is an {@link OrderNotFoundException}: retried.
     */
    public void changeStatus(Event<OrderStatusChanged> event, Exchange exchange) throws SQLException {
        OrderStatusChanged change = event.data();
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        Status current = lockedStatus(exchange, change.orderId());
        scope.write(OrderHistory.INSERT);
        List<Entry> history = OrderHistory.of(scope.connection(), change.orderId());
        if (!OrderHistory.begun(history)) {
            throw new OrderNotFoundException(change.orderId());
        }
        Entry entry = OrderHistory.entry(exchange, event.eventId(), change.status(), change.reason(), change.updatedAt(), false);
        history.add(entry);
        Folded folded = OrderHistory.fold(history);
        if (folded.refused().contains(event.eventId())) {
            OrderLifecycle.refused(metrics, GROUP, change.orderId(), current.status(), change.status(), event.eventId());
        }
        scope.rows(OrderHistory.INSERT).add(entry.row(change.orderId()));
        writeStatus(scope.connection(), change.orderId(), current, folded.status());
    }

    /**
     * Takes these events out of the orders' histories, in a reprocess's transaction: their rows are deleted, an order
     * whose order.created is among them is deleted (it is recorded again by the current code), and before the commit
     * each order touched takes its history's fold again ({@link Refold}), once the events have run again.
     */
    @Override
    public void takeOut(TransactionScope scope, List<String> eventIds) throws SQLException {
        Connection connection = scope.connection();
        Refold refold = scope.held(Refold.class, () -> new Refold(scope));
        List<String> taken = new ArrayList<>();
        Set<String> created = new TreeSet<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT t.id, h.order_id, h.created "
                + "FROM UNNEST(?) AS t(id) JOIN order_history h ON h.event_id = t.id")) {
            select.setArray(1, connection.createArrayOf("varchar", eventIds.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    taken.add(rows.getString(1));
                    refold.orders.add(rows.getString(2));
                    if (rows.getBoolean(3)) {
                        created.add(rows.getString(2));
                    }
                }
            }
        }
        executeEach(connection, "DELETE FROM order_history WHERE event_id = ?", taken);
        executeEach(connection, "DELETE FROM orders WHERE order_id = ?", created);
    }

    private static void executeEach(Connection connection, String sql, Iterable<String> keys) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (String key : keys) {
                statement.setString(1, key);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /** After a take-out and the events run again: each order touched takes its history's fold, just before the commit. */
    private static final class Refold implements TransactionScope.Held {

        private final TransactionScope scope;
        private final Set<String> orders = new TreeSet<>();

        Refold(TransactionScope scope) {
            this.scope = scope;
        }

        @Override
        public void write(Connection connection) throws SQLException {
            scope.write(INSERT);
            scope.write(OrderHistory.INSERT);
            for (String orderId : orders) {
                Status current = locked(connection, orderId);
                List<Entry> history = current == null ? List.of() : OrderHistory.of(connection, orderId);
                // an order whose order.created the current code fails on is gone, as it never was for a fresh service
                if (OrderHistory.begun(history)) {
                    writeStatus(connection, orderId, current, OrderHistory.fold(history).status());
                }
            }
        }
    }

    /** The order's status as folded, if it is not the row's already. */
    private static void writeStatus(Connection connection, String orderId, Status current, Status folded) throws SQLException {
        if (folded.equals(current)) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE orders SET status = ?, reason = ?, updated_at = ? WHERE order_id = ?")) {
            update.setString(1, folded.status());
            update.setString(2, folded.reason());
            update.setString(3, folded.updatedAt());
            update.setString(4, orderId);
            update.executeUpdate();
        }
    }

    /** inventory.reserved: the order is confirmed, if it is still pending; else nothing (null) is published. */
    public Event<OrderStatusChanged> confirm(Event<InventoryReserved> event, Exchange exchange) throws SQLException {
        InventoryReserved reserved = event.data();
        if (!stillPending(event, exchange, reserved.orderId(), "confirmed")) {
            return null;
        }
        return EventCodec.derivedFrom(event, OrderStatusChanged.TYPE,
                new OrderStatusChanged(reserved.orderId(), reserved.userId(), "confirmed", null, EventCodec.now()));
    }

    /** inventory.failed: the order is rejected, with the missing stock as the reason, if it is still pending. */
    public Event<OrderStatusChanged> reject(Event<InventoryFailed> event, Exchange exchange) throws SQLException {
        InventoryFailed failed = event.data();
        if (!stillPending(event, exchange, failed.orderId(), "rejected")) {
            return null;
        }
        String reason = "out of stock: " + failed.missing().stream()
                .map(m -> m.productId() + " (requested " + m.requested() + ", available " + m.available() + ")")
                .collect(Collectors.joining(", "));
        return EventCodec.derivedFrom(event, OrderStatusChanged.TYPE,
                new OrderStatusChanged(failed.orderId(), failed.userId(), "rejected", reason, EventCodec.now()));
    }

    /** An inventory result decides a pending order only: a late or replayed one is refused. */
    private boolean stillPending(Event<?> event, Exchange exchange, String orderId, String to) throws SQLException {
        String current = lockedStatus(exchange, orderId).status();
        if (!OrderLifecycle.PENDING.equals(current)) {
            OrderLifecycle.refused(metrics, GROUP, orderId, current, to, event.eventId());
            return false;
        }
        return true;
    }

    /**
     * The order's status, its row locked until the transaction ends. An order not recorded yet (an inventory result
     * may overtake its order.created on this service's other route) is an {@link OrderNotFoundException}: retried.
     */
    private static Status lockedStatus(Exchange exchange, String orderId) throws SQLException {
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        scope.write(INSERT);
        Status status = locked(scope.connection(), orderId);
        if (status == null) {
            throw new OrderNotFoundException(orderId);
        }
        return status;
    }

    /** The order's status, its row locked until the transaction ends; null when there is no such order. */
    private static Status locked(Connection connection, String orderId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT status, reason, updated_at FROM orders WHERE order_id = ? FOR UPDATE")) {
            select.setString(1, orderId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? new Status(rows.getString(1), rows.getString(2), rows.getString(3)) : null;
            }
        }
    }

    /** The API's check of a status change, in the request's transaction: 409 when the lifecycle does not allow it. */
    static String requireChange(Connection connection, String orderId, String to) throws SQLException {
        Map<String, Object> order = find(connection, orderId);
        if (order == null) {
            throw new OrderNotFoundException(orderId);
        }
        String current = (String) order.get("status");
        if (!OrderLifecycle.allows(current, to)) {
            throw new StatusConflictException(orderId, current, to);
        }
        return (String) order.get("user_id");
    }

    /**
     * The user of an order as this table has it, read in the exchange's transaction: for an event that does not name
     * the user (a status change of another producer). An order not recorded yet is an {@link OrderNotFoundException}:
     * the event is retried, then dead-lettered.
     */
    public static String userOf(String orderId, Exchange exchange) throws SQLException {
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        scope.write(INSERT);
        Map<String, Object> order = find(scope.connection(), orderId);
        if (order == null) {
            throw new OrderNotFoundException(orderId);
        }
        return (String) order.get("user_id");
    }

    /** GET /orders/{order_id}. */
    public String order(String orderId) throws SQLException {
        return Json.write(require(orderId));
    }

    public String userOf(String orderId) throws SQLException {
        return (String) require(orderId).get("user_id");
    }

    private Map<String, Object> require(String orderId) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Map<String, Object> order = find(connection, orderId);
            if (order == null) {
                throw new OrderNotFoundException(orderId);
            }
            return order;
        }
    }

    private static Map<String, Object> find(Connection connection, String orderId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT order_id, user_id, items, total, status, reason, created_at, updated_at FROM orders WHERE order_id = ?")) {
            select.setString(1, orderId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return null;
                }
                Map<String, Object> order = new LinkedHashMap<>();
                order.put("order_id", rows.getString(1));
                order.put("user_id", rows.getString(2));
                order.put("items", items(rows.getString(3)));
                order.put("total", rows.getBigDecimal(4));
                order.put("status", rows.getString(5));
                if (rows.getString(6) != null) {
                    order.put("reason", rows.getString(6));
                }
                order.put("created_at", rows.getString(7));
                if (rows.getString(8) != null) {
                    order.put("updated_at", rows.getString(8));
                }
                return order;
            }
        }
    }

    private static List<OrderItem> items(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("orders.items is not JSON", e);
        }
    }
}
