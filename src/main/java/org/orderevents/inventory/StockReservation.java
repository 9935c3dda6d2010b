package org.orderevents.inventory;

import com.fasterxml.jackson.core.type.TypeReference;
import org.apache.camel.Exchange;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.TransactionScope;
import org.orderevents.event.Event;
import org.orderevents.event.EventCodec;
import org.orderevents.event.InventoryFailed;
import org.orderevents.event.InventoryFailed.MissingItem;
import org.orderevents.event.InventoryReserved;
import org.orderevents.event.Json;
import org.orderevents.event.OrderCreated;
import org.orderevents.event.OrderEvent;
import org.orderevents.event.OrderItem;
import org.orderevents.event.OrderStatusChanged;
import org.orderevents.order.OrderLifecycle;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** inventory-service: reserves every item of an order or none, and answers with the result event to publish. */
public class StockReservation {

    private static final String RESERVED = "INSERT INTO stock_reservations (order_id, items) VALUES (?, ?) ON CONFLICT DO NOTHING";

    private final DataSource dataSource;

    public StockReservation(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Event<? extends OrderEvent> reserve(Event<OrderCreated> event, Exchange exchange) throws SQLException {
        OrderCreated order = event.data();
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        Map<String, Integer> wanted = new TreeMap<>();
        for (OrderItem item : order.items()) {
            wanted.merge(item.productId(), item.quantity(), Integer::sum);
        }
        List<MissingItem> missing = scope.held(this, Ledger::new).reserve(scope.connection(), wanted);
        if (missing.isEmpty()) {
            scope.rows(RESERVED).add(order.orderId(), Json.write(wanted));
            return EventCodec.derivedFrom(event, InventoryReserved.TYPE,
                    new InventoryReserved(order.orderId(), order.userId(), order.items()));
        }
        return EventCodec.derivedFrom(event, InventoryFailed.TYPE,
                new InventoryFailed(order.orderId(), order.userId(), missing));
    }

    /** Route predicate: the status change cancels its order. */
    public boolean cancels(Event<OrderStatusChanged> event) {
        return OrderLifecycle.CANCELLED.equals(event.data().status());
    }

    /**
     * A cancelled order's reservation goes back to the stock, once: its row is marked released in the same
     * transaction. An order that reserved nothing (rejected, or cancelled before its reservation) gives nothing back.
     */
    public void release(Event<OrderStatusChanged> event, Exchange exchange) throws SQLException, java.io.IOException {
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        scope.write(RESERVED);
        Connection connection = scope.connection();
        String items;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT items FROM stock_reservations WHERE order_id = ? AND released = FALSE FOR UPDATE")) {
            select.setString(1, event.data().orderId());
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return;
                }
                items = rows.getString(1);
            }
        }
        Map<String, Integer> reserved = Json.MAPPER.readValue(items, new TypeReference<TreeMap<String, Integer>>() { });
        scope.held(this, Ledger::new).release(connection, reserved);
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE stock_reservations SET released = TRUE WHERE order_id = ?")) {
            update.setString(1, event.data().orderId());
            update.executeUpdate();
        }
    }

    /**
     * The stock of the products a transaction's orders reserve: each product's row is read and locked
     * ({@code FOR UPDATE}) the first time an order of the transaction wants it, reserved from in memory, in the order of
     * the events, and written once, as one JDBC batch, before the transaction commits, rather than once per item.
     * <p>
     * The rows stay locked until the commit: another instance reserving the same products
     * waits for it. Within an order the products are locked in sorted order; across a batch, in the order the orders
     * first want them, so two instances' batches can deadlock: the database then aborts one transaction and that batch
     * is handled one event at a time ({@link org.orderevents.batch.EventBatch}).
     */
    private static final class Ledger implements TransactionScope.Held {

        private final Map<String, Integer> available = new HashMap<>();
        private final Set<String> changed = new TreeSet<>();

        /** Reserves every item or none; returns what is missing (empty when reserved). */
        List<MissingItem> reserve(Connection connection, Map<String, Integer> wanted) throws SQLException {
            List<MissingItem> missing = new ArrayList<>();
            for (Map.Entry<String, Integer> line : wanted.entrySet()) {
                int have = available(connection, line.getKey());
                if (have < line.getValue()) {
                    missing.add(new MissingItem(line.getKey(), line.getValue(), have));
                }
            }
            if (missing.isEmpty()) {
                wanted.forEach((productId, quantity) -> available.merge(productId, -quantity, Integer::sum));
                changed.addAll(wanted.keySet());
            }
            return missing;
        }

        /** Gives the quantities back. */
        void release(Connection connection, Map<String, Integer> quantities) throws SQLException {
            for (Map.Entry<String, Integer> line : quantities.entrySet()) {
                available.put(line.getKey(), available(connection, line.getKey()) + line.getValue());
                changed.add(line.getKey());
            }
        }

        /** What is left of the product in this transaction; 0 for a product the stock table does not have. */
        private int available(Connection connection, String productId) throws SQLException {
            Integer have = available.get(productId);
            if (have == null) {
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT available FROM stock WHERE product_id = ? FOR UPDATE")) {
                    select.setString(1, productId);
                    try (ResultSet rows = select.executeQuery()) {
                        have = rows.next() ? rows.getInt(1) : 0;
                    }
                }
                available.put(productId, have);
            }
            return have;
        }

        @Override
        public void write(Connection connection) throws SQLException {
            try (PreparedStatement update = connection.prepareStatement("UPDATE stock SET available = ? WHERE product_id = ?")) {
                for (String productId : changed) {
                    update.setInt(1, available.get(productId));
                    update.setString(2, productId);
                    update.addBatch();
                }
                update.executeBatch();
            }
        }
    }
}
