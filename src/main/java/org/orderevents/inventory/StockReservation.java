package org.orderevents.inventory;

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
            return EventCodec.derivedFrom(event, InventoryReserved.TYPE,
                    new InventoryReserved(order.orderId(), order.userId(), order.items()));
        }
        return EventCodec.derivedFrom(event, InventoryFailed.TYPE,
                new InventoryFailed(order.orderId(), order.userId(), missing));
    }

    /**
     * The stock of the products a transaction's orders reserve: each product's row is read and locked
     * ({@code FOR UPDATE}) the first time an order of the transaction wants it, reserved from in memory, in the order of
     * the events, and written once, as one JDBC batch, before the transaction commits. An UPDATE per item of every
     * order (the former way) wrote the same few rows hundreds of times per batch.
     * <p>
     * The rows stay locked until the commit, as the UPDATEs' locks did: another instance reserving the same products
     * waits for it. Within an order the products are locked in sorted order; across a batch, in the order the orders
     * first want them, so two instances' batches can deadlock: the database then aborts one transaction and that batch
     * is handled one event at a time ({@link org.orderevents.db.EventBatch}).
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

    /** GET /inventory: {@code [{"product_id", "name", "available"}]}. */
    public String stock() throws SQLException {
        List<Map<String, Object>> products = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(
                     "SELECT product_id, name, available FROM stock ORDER BY product_id");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                Map<String, Object> product = new LinkedHashMap<>();
                product.put("product_id", rows.getString(1));
                product.put("name", rows.getString(2));
                product.put("available", rows.getInt(3));
                products.add(product);
            }
        }
        return Json.write(products);
    }
}
