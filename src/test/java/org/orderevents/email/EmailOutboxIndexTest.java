package org.orderevents.email;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.orderevents.db.Database;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The e-mail sender's round reads the unsent rows in the order of index email_outbox_due, not by sorting them all, and
 * a database made before that index gets it (and loses the one it replaces) at the next start.
 */
class EmailOutboxIndexTest {

    @TempDir
    Path dir;

    @Test
    void aDatabaseWithTheEarlierIndexGetsTheRoundsIndexAtTheNextStart() throws Exception {
        try (HikariDataSource dataSource = Database.open("jdbc:h2:file:" + dir.resolve("db"), "sa", "")) {
            Database.migrate(dataSource);
            execute(dataSource, "DROP INDEX email_outbox_due", "CREATE INDEX email_outbox_sent ON email_outbox (sent_at)");

            Database.migrate(dataSource);

            assertThat(indexes(dataSource)).contains("email_outbox_due").doesNotContain("email_outbox_sent");
        }
    }

    @Test
    void theRoundReadsItsRowsStraightFromTheIndex() throws Exception {
        try (HikariDataSource dataSource = Database.open("jdbc:h2:file:" + dir.resolve("db"), "sa", "")) {
            Database.migrate(dataSource);
            execute(dataSource, "INSERT INTO email_outbox (event_id, recipient, sender, subject, body, created_at, attempts) "
                    + "SELECT 'e-' || \"X\", 'a@example.com', 'b@example.com', 's', 'body', CURRENT_TIMESTAMP, MOD(\"X\", 3) "
                    + "FROM SYSTEM_RANGE(1, 5000)");
            String plan;
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement explain = connection.prepareStatement("EXPLAIN ANALYZE " + EmailOutbox.DUE)) {
                explain.setTimestamp(1, new Timestamp(System.currentTimeMillis()));
                try (ResultSet rows = explain.executeQuery()) {
                    rows.next();
                    plan = rows.getString(1);
                }
            }
            assertThat(plan).as("5,000 unsent rows, the round reads 500").contains("email_outbox_due", "index sorted", "scanCount: 500");
        }
    }

    private static void execute(HikariDataSource dataSource, String... statements) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static List<String> indexes(HikariDataSource dataSource) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             ResultSet rows = connection.getMetaData().getIndexInfo(null, connection.getSchema(), "email_outbox", false, true)) {
            while (rows.next()) {
                names.add(rows.getString("INDEX_NAME"));
            }
        }
        return names;
    }
}
