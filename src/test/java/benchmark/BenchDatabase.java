package benchmark;

import com.zaxxer.hikari.HikariDataSource;
import org.orderevents.db.Database;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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

    /**
     * PostgreSQL's count of committed transactions in the whole database ({@code pg_stat_database.xact_commit}), -1 on
     * H2. A server backend reports its counts when its connection closes (or within seconds while idle).
     */
    long commits() throws SQLException {
        if (schema == null) {
            return -1;
        }
        try (Connection connection = connect(postgresBase, user); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Rows inserted / updated / deleted per table of this run's schema so far (PostgreSQL's statistics); empty on H2. */
    Map<String, long[]> rowsWritten() throws SQLException {
        Map<String, long[]> written = new TreeMap<>();
        if (schema == null) {
            return written;
        }
        try (Connection connection = connect(postgresBase, user); PreparedStatement select = connection.prepareStatement(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = ?")) {
            select.setString(1, schema);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    written.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3), rows.getLong(4)});
                }
            }
        }
        return written;
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
