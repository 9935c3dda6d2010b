package org.orderevents;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/**
 * The PostgreSQL of the production-profile tests: {@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres}
 * unless {@code -Dtest.postgres.url} / {@code -Dtest.postgres.user} say otherwise. Each test gets a schema of its own.
 */
public final class TestPostgres {

    public static final String URL = System.getProperty("test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = System.getProperty("test.postgres.user", "postgres");
    public static final String UNREACHABLE = "PostgreSQL not reachable at " + where() + ": skipping the production-profile test";

    private static final Logger LOG = LoggerFactory.getLogger(TestPostgres.class);

    private static Boolean reachable;

    private TestPostgres() {
    }

    /** Asked once per JVM; a closed port answers at once, a silent host within the 2 s connect timeout. */
    public static synchronized boolean reachable() {
        if (reachable == null) {
            try (Connection connection = connect(URL)) {
                reachable = connection.isValid(2);
            } catch (SQLException e) {
                reachable = false;
            }
            if (!reachable) {
                // surefire's console shows only the count of skipped tests, not why
                LOG.warn(UNREACHABLE);
            }
        }
        return reachable;
    }

    /** Creates an empty schema {@code oe_<random>} and returns its name. */
    public static String createSchema() {
        return create("SCHEMA");
    }

    public static void dropSchema(String schema) {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    /** The URL the application is given: tables are created and found in that schema only. */
    public static String url(String schema) {
        return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** A connection of its own, outside of any pool. */
    public static Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.put("user", USER);
        properties.put("connectTimeout", "2");
        return DriverManager.getConnection(url, properties);
    }

    /** Creates an empty database {@code oe_<random>} and returns its name. */
    public static String createDatabase() {
        return create("DATABASE");
    }

    private static String create(String kind) {
        String name = "oe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        execute("CREATE " + kind + " " + name);
        return name;
    }

    /** Drops the database, closing the connections still open to it. */
    public static void dropDatabase(String database) {
        execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    /** The URL of another database of the same server. */
    public static String urlOf(String database) {
        return URL.replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
    }

    /** Runs a statement on the test database, outside of any pool. */
    public static void execute(String sql) {
        try (Connection connection = connect(URL); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** "127.0.0.1:5432 (database test)", from the URL. */
    private static String where() {
        String rest = URL.replaceFirst("^jdbc:postgresql://", "").replaceFirst("\\?.*$", "");
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash) + " (database " + rest.substring(slash + 1) + ")";
    }
}
