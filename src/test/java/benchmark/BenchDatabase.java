package benchmark;

import com.zaxxer.hikari.HikariDataSource;
import org.orderevents.db.Database;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/**
 * A fresh database for one run: an H2 file database in a directory of its own (the default profile's URL options),
 * or a new schema {@code bench_<random>} on PostgreSQL, dropped by {@link #close()}.
 */
final class BenchDatabase implements AutoCloseable {

    final String url;
    final String user;
    private final String postgresBase;
    private final String schema;

    private BenchDatabase(String url, String user, String postgresBase, String schema) {
        this.url = url;
        this.user = user;
        this.postgresBase = postgresBase;
        this.schema = schema;
    }

    static BenchDatabase h2(Path dir) {
        return new BenchDatabase("jdbc:h2:file:" + dir.resolve("order-events").toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE", "sa", null, null);
    }

    static BenchDatabase postgres(String baseUrl, String user) throws SQLException {
        String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(baseUrl, user, "CREATE SCHEMA " + schema);
        return new BenchDatabase(baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema, user, baseUrl, schema);
    }

    /** True when a PostgreSQL answers at the URL within 2 s. */
    static boolean reachable(String baseUrl, String user) {
        try (Connection connection = connect(baseUrl, user)) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** A pool on it, as the application makes it ({@link Database#open}). */
    HikariDataSource open() {
        return Database.open(url, user, "");
    }

    /**
     * The application's schema, created before it starts, with stock enough that no order is rejected: the
     * application would start consuming before the benchmark could raise the stock.
     */
    void prepareForApp() throws SQLException {
        try (HikariDataSource dataSource = open()) {
            Database.migrate(dataSource);
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE stock SET available = 1000000000");
            }
        }
    }

    @Override
    public void close() throws SQLException {
        if (schema != null) {
            execute(postgresBase, user, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    private static void execute(String url, String user, String sql) throws SQLException {
        try (Connection connection = connect(url, user); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static Connection connect(String url, String user) throws SQLException {
        Properties properties = new Properties();
        properties.put("user", user);
        properties.put("connectTimeout", "2");
        return DriverManager.getConnection(url, properties);
    }
}
