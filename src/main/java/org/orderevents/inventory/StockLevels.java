package org.orderevents.inventory;

import org.orderevents.event.Json;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The stock inventory-service keeps, as the order API reads it (GET /inventory), from any process. */
public class StockLevels {

    private final DataSource dataSource;

    public StockLevels(DataSource dataSource) {
        this.dataSource = dataSource;
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
