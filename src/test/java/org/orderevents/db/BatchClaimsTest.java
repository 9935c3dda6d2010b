package org.orderevents.db;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A batch's claims on a real H2 file database: looked up before its events run, held, written before its commit
 * ({@link ProcessedEvents#beforeBatch}, {@link TransactionScope}), in multi-row INSERTs ({@link MultiRowInsert}).
 */
class BatchClaimsTest {

    @TempDir
    Path dir;

    private HikariDataSource dataSource;
    private ProcessedEvents processed;

    @BeforeEach
    void database() {
        dataSource = Database.open("jdbc:h2:file:" + dir.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
        Database.migrate(dataSource);
        processed = new ProcessedEvents(dataSource, "batch-claims");
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    @Test
    void aKnownIdIsADuplicateAndTheNewOnesCommitWithTheBatch() throws Exception {
        assertThat(processed.add("known")).isTrue();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            TransactionScope scope = new TransactionScope(connection, true);
            processed.beforeBatch(scope, Arrays.asList("known", "new", null, "new"));
            Exchange event = inBatch(scope);

            assertThat(processed.add(event, "known")).as("claimed before the batch").isFalse();
            assertThat(processed.add(event, "new")).isTrue();
            assertThat(processed.add(event, "new")).as("twice in one batch").isFalse();
            assertThat(processed.contains("new")).as("held until the commit").isFalse();
            EventTransaction.commit(scope);
        }
        assertThat(processed.contains("new")).isTrue();
    }

    @Test
    void anIdClaimedElsewhereWhileTheBatchRanFailsItsCommit() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            TransactionScope scope = new TransactionScope(connection, true);
            processed.beforeBatch(scope, List.of("a", "b"));
            Exchange event = inBatch(scope);
            assertThat(processed.add(event, "a")).isTrue();
            assertThat(processed.add(event, "b")).isTrue();

            // another instance's consumer, after a rebalance, commits its claim of b first
            assertThat(processed.add("b")).isTrue();

            assertThatThrownBy(() -> EventTransaction.commit(scope)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("1 event(s) of the batch were claimed by another consumer of batch-claims");
            EventTransaction.rollback(connection);
        }
        assertThat(processed.contains("a")).as("rolled back with the batch").isFalse();
    }

    @Test
    void claimsAndHeldRowsOfMoreThanOneStatementAreAllWrittenAndCounted() throws Exception {
        // 1,234 ids: three statements of up to 500 rows; every third one claimed before, across the statements' edges
        List<String> ids = IntStream.range(0, 1234).mapToObj(i -> "e-" + i).toList();
        List<String> known = ids.stream().filter(id -> Integer.parseInt(id.substring(2)) % 3 == 0).toList();
        try (Connection connection = dataSource.getConnection()) {
            assertThat(processed.claimAll(connection, known)).hasSize(known.size());
            List<String> repeated = new ArrayList<>(ids);
            repeated.add("e-1");
            assertThat(processed.claimAll(connection, repeated)).as("the new ones, once each, in order")
                    .containsExactlyElementsOf(ids.stream().filter(id -> !known.contains(id)).toList());

            connection.setAutoCommit(false);
            TransactionScope scope = new TransactionScope(connection, true);
            TransactionScope.Rows rows = scope.rows("INSERT INTO stock (product_id, name, available) VALUES (?, ?, 7) ON CONFLICT DO NOTHING");
            IntStream.range(0, 1001).forEach(i -> rows.add("p-" + i, "product " + i));
            rows.add("mug", "an existing product: no row");
            EventTransaction.commit(scope);
        }
        try (Connection connection = dataSource.getConnection(); var statement = connection.createStatement();
             var count = statement.executeQuery("SELECT COUNT(*), SUM(available) FROM stock WHERE product_id LIKE 'p-%'")) {
            count.next();
            assertThat(count.getLong(1)).isEqualTo(1001);
            assertThat(count.getLong(2)).isEqualTo(7007);
        }
        assertThat(processed.contains("e-1233")).isTrue();
    }

    @Test
    void aStatementOrRowItCannotWriteIsRefusedNamingIt() throws Exception {
        assertThatThrownBy(() -> new MultiRowInsert("UPDATE stock SET available = ? WHERE product_id = ?"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an INSERT ... VALUES (...) statement: UPDATE stock SET available = ? WHERE product_id = ?");
        MultiRowInsert insert = new MultiRowInsert("INSERT INTO stock (product_id, name, available) VALUES (?, ?, ?)");
        try (Connection connection = dataSource.getConnection()) {
            assertThatThrownBy(() -> insert.write(connection, List.<Object[]>of(new Object[] {"p-1", "two values"})))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("2 values for a row of 3 parameters: INSERT INTO stock (product_id, name, available) VALUES (?, ?, ?)");
            assertThat(insert.write(connection, List.of())).as("no rows, no statement").isZero();
        }
    }

    private static Exchange inBatch(TransactionScope scope) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        EventTransaction.bind(exchange, scope);
        return exchange;
    }
}
