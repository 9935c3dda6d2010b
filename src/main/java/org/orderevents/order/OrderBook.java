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
import org.orderevents.order.OrderHistory.Change;
import org.orderevents.order.OrderHistory.Folded;
import org.orderevents.order.OrderHistory.Status;
import org.orderevents.reprocess.Reprocessable;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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

    private static final String INSERT = "INSERT INTO orders (order_id, user_id, items, total, status, created_at, history) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

    public OrderBook(DataSource dataSource, EventMetrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /** order.created: records an order it has not seen, so orders published by other producers are known too. */
    public void record(Event<OrderCreated> event, Exchange exchange) {
        // held, and written with the transaction's other new orders as multi-row INSERTs (before a step reads orders)
        EventTransaction.requiredScope(exchange).rows(INSERT).add(row(event.eventId(), event.data()));
    }

    /** The order API's INSERT: at once, in the transaction that writes its order.created (this event id) to the outbox. */
    static void insert(Connection connection, String eventId, OrderCreated order) throws SQLException {
        new MultiRowInsert(INSERT).write(connection, List.<Object[]>of(row(eventId, order)));
    }

    /** The parameters of {@link #INSERT} for the order its order.created begins. */
    private static Object[] row(String eventId, OrderCreated order) {
        return new Object[] {order.orderId(), order.userId(), Json.write(order.items()), order.total(), order.status(),
                order.createdAt(), OrderHistory.begunBy(eventId, order.status()).json()};
    }

    /**
     * order.status_changed: joins the order's history, and the order takes the status the history's fold gives: the new
     * one, if its lifecycle allows it ({@link OrderLifecycle}) at the change's place among the order's changes.
     */
    public void changeStatus(Event<OrderStatusChanged> event, Exchange exchange) throws SQLException {
        OrderStatusChanged change = event.data();
        Locked current = lockedStatus(exchange, change.orderId());
        OrderHistory history = current.history().with(List.of(
                OrderHistory.change(exchange, event.eventId(), change.status(), change.reason(), change.updatedAt())));
        Folded folded = history.fold();
        if (folded.refused().contains(event.eventId())) {
            OrderLifecycle.refused(metrics, GROUP, change.orderId(), current.status().status(), change.status(), event.eventId());
        }
        write(EventTransaction.requiredScope(exchange).connection(), change.orderId(), folded.status(), history);
    }

    /**
     * Takes these events out of the orders' histories, in a reprocess's transaction, before they run again: a status
     * change leaves its order's history; an order whose order.created it is goes (the current code records it again),
     * its other changes kept aside. Just before the commit, once the events have run again, each order touched takes its
     * history's fold, with the changes kept aside ({@link Refold}).
     */
    @Override
    public void takeOut(TransactionScope scope, Map<String, byte[]> events) throws SQLException {
        Connection connection = scope.connection();
        Refold refold = scope.held(Refold.class, () -> new Refold(scope));
        Map<String, Set<String>> byOrder = new TreeMap<>();
        events.forEach((eventId, value) -> {
            String orderId = EventCodec.orderId(value);
            if (orderId != null) {
                byOrder.computeIfAbsent(orderId, o -> new TreeSet<>()).add(eventId);
            }
        });
        for (Map.Entry<String, Set<String>> order : byOrder.entrySet()) {
            Locked current = locked(connection, order.getKey());
            if (current == null) {
                continue;
            }
            OrderHistory rest = current.history().without(order.getValue());
            refold.orders.add(order.getKey());
            if (rest.created() != null && order.getValue().contains(rest.created())) {
                refold.keptAside.put(order.getKey(), rest.changes());
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM orders WHERE order_id = ?")) {
                    delete.setString(1, order.getKey());
                    delete.executeUpdate();
                }
            } else {
                write(connection, order.getKey(), current.status(), rest);
            }
        }
    }

    /** After a take-out and the events run again: each order touched takes its history's fold, just before the commit. */
    private static final class Refold implements TransactionScope.Held {

        private final TransactionScope scope;
        private final Set<String> orders = new TreeSet<>();
        /** The changes of an order whose order.created was taken out. */
        private final Map<String, List<Change>> keptAside = new TreeMap<>();

        Refold(TransactionScope scope) {
            this.scope = scope;
        }

        @Override
        public void write(Connection connection) throws SQLException {
            scope.write(INSERT);
            for (String orderId : orders) {
                Locked current = locked(connection, orderId);
                // an order whose order.created the current code fails on is gone, as it never was for a fresh service
                if (current != null) {
                    OrderHistory history = current.history().with(keptAside.getOrDefault(orderId, List.of()));
                    OrderBook.write(connection, orderId, history.fold().status(), history);
                }
            }
        }
    }

    /** The order's status and its history, in one UPDATE. */
    private static void write(Connection connection, String orderId, Status status, OrderHistory history) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE orders SET status = ?, reason = ?, updated_at = ?, history = ? WHERE order_id = ?")) {
            update.setString(1, status.status());
            update.setString(2, status.reason());
            update.setString(3, status.updatedAt());
            update.setString(4, history.json());
            update.setString(5, orderId);
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
        String current = lockedStatus(exchange, orderId).status().status();
        if (!OrderLifecycle.PENDING.equals(current)) {
            OrderLifecycle.refused(metrics, GROUP, orderId, current, to, event.eventId());
            return false;
        }
        return true;
    }

    /** An order's row as a status change reads it, locked. */
    private record Locked(Status status, OrderHistory history) {
    }

    /**
     * The order's status and history, its row locked until the transaction ends. An order not recorded yet (an
     * inventory result may overtake its order.created on this service's other route) is an
     * {@link OrderNotFoundException}: retried.
     */
    private static Locked lockedStatus(Exchange exchange, String orderId) throws SQLException {
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        scope.write(INSERT);
        Locked locked = locked(scope.connection(), orderId);
        if (locked == null) {
            throw new OrderNotFoundException(orderId);
        }
        return locked;
    }

    /** The order's status and history, its row locked until the transaction ends; null when there is no such order. */
    private static Locked locked(Connection connection, String orderId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT status, reason, updated_at, history FROM orders WHERE order_id = ? FOR UPDATE")) {
            select.setString(1, orderId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return null;
                }
                Status status = new Status(rows.getString(1), rows.getString(2), rows.getString(3));
                return new Locked(status, OrderHistory.of(rows.getString(4), status));
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
