package org.orderevents.inventory;

import org.apache.camel.Exchange;
import org.orderevents.db.EventTransaction;
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
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** inventory-service: reserves every item of an order or none, and answers with the result event to publish. */
public class StockReservation {

    private final DataSource dataSource;

    public StockReservation(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Event<? extends OrderEvent> reserve(Event<OrderCreated> event, Exchange exchange) throws SQLException {
        OrderCreated order = event.data();
        Connection connection = EventTransaction.required(exchange);
        // sorted, so that two instances reserving the same products lock them in the same order (no deadlock)
        Map<String, Integer> wanted = new TreeMap<>();
        for (OrderItem item : order.items()) {
            wanted.merge(item.productId(), item.quantity(), Integer::sum);
        }
        Savepoint beforeReservation = connection.setSavepoint();
        List<MissingItem> missing = new ArrayList<>();
        try (PreparedStatement take = connection.prepareStatement(
                "UPDATE stock SET available = available - ? WHERE product_id = ? AND available >= ?")) {
            for (Map.Entry<String, Integer> line : wanted.entrySet()) {
                take.setInt(1, line.getValue());
                take.setString(2, line.getKey());
                take.setInt(3, line.getValue());
                if (take.executeUpdate() == 0) {
                    missing.add(new MissingItem(line.getKey(), line.getValue(), available(connection, line.getKey())));
                }
            }
        }
        if (missing.isEmpty()) {
            connection.releaseSavepoint(beforeReservation);
            return EventCodec.derivedFrom(event, InventoryReserved.TYPE,
                    new InventoryReserved(order.orderId(), order.userId(), order.items()));
        }
        connection.rollback(beforeReservation);
        return EventCodec.derivedFrom(event, InventoryFailed.TYPE,
                new InventoryFailed(order.orderId(), order.userId(), missing));
    }

    private static int available(Connection connection, String productId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT available FROM stock WHERE product_id = ?")) {
            select.setString(1, productId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getInt(1) : 0;
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
