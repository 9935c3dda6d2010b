package org.orderevents.analytics;

import org.orderevents.event.Json;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The figures analytics-service keeps, as the order API reads them (GET /analytics), from any process. */
public class AnalyticsFigures {

    private final DataSource dataSource;

    public AnalyticsFigures(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** GET /analytics. */
    public String figures() throws SQLException {
        Map<String, Object> figures = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT total_orders, total_revenue FROM analytics_totals WHERE id = 1");
                 ResultSet rows = select.executeQuery()) {
                rows.next();
                long orders = rows.getLong(1);
                BigDecimal revenue = rows.getBigDecimal(2).setScale(2, RoundingMode.HALF_UP);
                figures.put("total_orders", orders);
                figures.put("total_revenue", revenue);
                figures.put("avg_order_value", orders == 0 ? BigDecimal.ZERO.setScale(2)
                        : revenue.divide(BigDecimal.valueOf(orders), 2, RoundingMode.HALF_UP));
            }
            figures.put("orders_by_hour", read(connection, "SELECT order_hour, orders FROM analytics_orders_by_hour ORDER BY order_hour"));
            figures.put("revenue_by_user", read(connection, "SELECT user_id, revenue FROM analytics_revenue_by_user ORDER BY user_id"));
        }
        return Json.write(figures);
    }

    private static Map<String, Object> read(Connection connection, String sql) throws SQLException {
        Map<String, Object> values = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement(sql); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                values.put(rows.getString(1), rows.getObject(2));
            }
        }
        return values;
    }
}
