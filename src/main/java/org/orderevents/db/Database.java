package org.orderevents.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The JDBC database of the idempotent repository and of the services' state: H2 by default, PostgreSQL in production. */
public final class Database {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** The key of the PostgreSQL advisory lock that serialises the schema script across processes. */
    private static final long SCHEMA_LOCK = 0x6f726465725f6576L;

    private Database() {
    }

    /**
     * A pooled data source, always: an unpooled H2 data source closes and reopens the file for every transaction, and
     * an unpooled PostgreSQL one opens a connection per transaction.
     */
    public static HikariDataSource open(String url, String user, String password) {
        return open(url, user, password, 5_000);
    }

    /** A pooled data source whose callers wait at most {@code connectionTimeoutMs} for a connection. */
    public static HikariDataSource open(String url, String user, String password, long connectionTimeoutMs) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("order-events-db");
        config.setJdbcUrl(h2Durable(url));
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(10);
        config.setConnectionTimeout(connectionTimeoutMs);
        config.setExceptionOverrideClassName(BrokenConnections.class.getName());
        // fail at start, with the URL in the message, rather than at the first event
        config.setInitializationFailTimeout(10_000);
        HikariDataSource dataSource = new HikariDataSource(config);
        LOG.info("Database {} ({} connections at most)", safeUrl(url), config.getMaximumPoolSize());
        return dataSource;
    }

    /**
     * The statements are written once, in the PostgreSQL dialect ({@code INSERT ... ON CONFLICT DO NOTHING}), which
     * H2 understands in its PostgreSQL mode: an H2 URL that names no mode gets it, one that names no write delay
     * gets the durable one, and one that does not say otherwise is closed by the pool rather than by H2's shutdown hook.
     */
    static String h2Durable(String url) {
        if (!url.startsWith("jdbc:h2:")) {
            return url;
        }
        String upper = url.toUpperCase();
        if (!upper.contains(";MODE=")) {
            url += ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
        }
        // H2 writes committed transactions to its file on a background delay (1 s); a process killed in that window
        // loses commits whose Kafka offsets are already committed.
        if (!upper.contains(";WRITE_DELAY=")) {
            url += ";WRITE_DELAY=0";
        }
        // The pool closes the database, after the routes; H2's own JVM shutdown hook must not, since it runs at the
        // first instant of a SIGTERM while Camel still finishes the events in flight: their commits would fail, and
        // records they had published would be published again after the restart (CrashRecoveryTest's clean stop).
        // H2 refuses the setting with AUTO_SERVER=TRUE, where a clean stop can publish a derived record twice.
        if (!upper.contains(";DB_CLOSE_ON_EXIT=") && !upper.contains(";AUTO_SERVER=TRUE")) {
            url += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        return url;
    }

    /**
     * Creates the tables that are missing and the sample stock; safe to run at every start, and on several processes
     * at once. On PostgreSQL two concurrent {@code CREATE TABLE IF NOT EXISTS} of one table can both miss it and the
     * loser fails on the catalogue's unique key ({@code pg_type_typname_nsp_index}); so the script runs in one
     * transaction (PostgreSQL's DDL is transactional) that first takes an advisory lock: the others wait for the first
     * one's commit, then find every table and change nothing. H2 runs each DDL statement under its own lock, and every
     * statement is idempotent.
     */
    public static void migrate(DataSource dataSource) {
        String script;
        try (InputStream in = Database.class.getResourceAsStream("/schema.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema.sql", e);
        }
        if (upToDate(dataSource, script)) {
            return;
        }
        try {
            runScript(dataSource, script);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the schema: " + e.getMessage(), e);
        }
    }

    /**
     * True when every table, column and index the script creates exists and no index it drops does, so that running it
     * would change nothing. Checked first because the script's DDL locks tables: on H2 it waits for the lock on a table that running
     * instances keep busy in their batch transactions (email_outbox), and an instance that joins them would time out
     * and not start (ScaleOutTest starts a second instance beside a busy one).
     */
    private static boolean upToDate(DataSource dataSource, String script) {
        String statements = script.replaceAll("(?m)^--.*$", "");
        Matcher tables = Pattern.compile("(?i)CREATE TABLE IF NOT EXISTS (\\w+)").matcher(statements);
        Matcher columns = Pattern.compile("(?i)ALTER TABLE (\\w+) ADD COLUMN IF NOT EXISTS (\\w+)").matcher(statements);
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData meta = connection.getMetaData();
            String schema = connection.getSchema();
            while (tables.find()) {
                if (!exists(meta.getTables(null, schema, tables.group(1).toLowerCase(Locale.ROOT), null))) {
                    return false;
                }
            }
            while (columns.find()) {
                if (!exists(meta.getColumns(null, schema, columns.group(1).toLowerCase(Locale.ROOT),
                        columns.group(2).toLowerCase(Locale.ROOT)))) {
                    return false;
                }
            }
            Set<String> indexes = new HashSet<>();
            for (tables.reset(); tables.find(); ) {
                try (ResultSet rows = meta.getIndexInfo(null, schema, tables.group(1).toLowerCase(Locale.ROOT), false, true)) {
                    while (rows.next()) {
                        if (rows.getString("INDEX_NAME") != null) {
                            indexes.add(rows.getString("INDEX_NAME").toLowerCase(Locale.ROOT));
                        }
                    }
                }
            }
            Matcher created = Pattern.compile("(?i)CREATE INDEX IF NOT EXISTS (\\w+)").matcher(statements);
            while (created.find()) {
                if (!indexes.contains(created.group(1).toLowerCase(Locale.ROOT))) {
                    return false;
                }
            }
            Matcher dropped = Pattern.compile("(?i)DROP INDEX IF EXISTS (\\w+)").matcher(statements);
            while (dropped.find()) {
                if (indexes.contains(dropped.group(1).toLowerCase(Locale.ROOT))) {
                    return false;
                }
            }
            return true;
        } catch (SQLException e) {
            LOG.info("Cannot tell whether the schema is complete ({}); running schema.sql", e.getMessage());
            return false;
        }
    }

    private static boolean exists(ResultSet rows) throws SQLException {
        try (rows) {
            return rows.next();
        }
    }

    private static void runScript(DataSource dataSource, String script) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            try {
                if (connection.getMetaData().getDatabaseProductName().equals("PostgreSQL")) {
                    // released at commit or rollback
                    statement.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
                }
                for (String sql : script.replaceAll("(?m)^--.*$", "").split(";")) {
                    if (!sql.isBlank()) {
                        statement.execute(sql);
                    }
                }
                connection.commit();
            } catch (SQLException e) {
                // on PostgreSQL the failed statement aborted the transaction: nothing of this attempt is kept
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** The URL without anything that looks like a password, for log lines. */
    public static String safeUrl(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }

    /**
     * One row's update count from a JDBC batch of UPDATEs. A driver that answers SUCCESS_NO_INFO (-2) instead cannot tell
     * a changed row from a missing one, so that is refused.
     */
    public static int updateCount(int count) throws SQLException {
        if (count == Statement.SUCCESS_NO_INFO) {
            throw new SQLException("the JDBC driver reports no update count per row of a batch, so a changed row cannot be told "
                    + "from a missing one");
        }
        return count;
    }
}
