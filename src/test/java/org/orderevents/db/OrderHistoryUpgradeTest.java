package org.orderevents.db;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database whose orders were kept before their history was (orders.history): order-service is reprocessed from the
 * upgrade on only (reprocess_coverage), and a later start changes nothing; a new database needs no such date.
 */
class OrderHistoryUpgradeTest {

    @TempDir
    Path dir;
    private HikariDataSource dataSource;

    @BeforeEach
    void open() {
        dataSource = Database.open("jdbc:h2:file:" + dir.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
        Database.migrate(dataSource);
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    @Test
    void ordersKeptBeforeTheirHistoryAreCoveredFromTheUpgradeOn() throws Exception {
        // the database as the version before orders.history left it
        execute("ALTER TABLE orders DROP COLUMN history", "DELETE FROM reprocess_coverage",
                "INSERT INTO orders (order_id, user_id, items, total, status, reason, created_at, updated_at) VALUES "
                        + "('o-1', 'u-1', '[]', 2.00, 'rejected', 'out of stock: mug', '2026-11-22T10:00:00Z', '2026-11-22T10:00:01Z')");

        Database.migrate(dataSource);

        assertThat(rows("SELECT order_id, status, history FROM orders")).containsExactly("o-1 rejected null");
        assertThat(rows("SELECT service FROM reprocess_coverage")).containsExactly("order-service");
        String since = rows("SELECT since FROM reprocess_coverage").get(0);

        // a start of a later version (a table of its own missing) runs the script again: the date stays
        execute("DROP TABLE analytics_orders");
        Database.migrate(dataSource);
        assertThat(rows("SELECT since FROM reprocess_coverage WHERE service = 'order-service'")).containsExactly(since);
    }

    @Test
    void aNewDatabaseNeedsNoCoverageDate() throws Exception {
        execute("INSERT INTO orders (order_id, user_id, items, total, status, created_at, history) VALUES "
                + "('o-1', 'u-1', '[]', 1.00, 'pending', '2026-11-22T10:00:00Z', '{\"created\":\"e-1\",\"changes\":[]}')",
                "DROP TABLE analytics_orders");
        Database.migrate(dataSource);
        assertThat(rows("SELECT COUNT(*) FROM reprocess_coverage")).containsExactly("0");
    }

    private void execute(String... statements) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** Each row's columns joined by spaces. */
    private List<String> rows(String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(String.valueOf(result.getString(i)));
                }
                rows.add(String.join(" ", values));
            }
        }
        return rows;
    }
}
