package org.orderevents;

import org.junit.jupiter.api.Test;
import org.orderevents.db.Database;
import org.orderevents.db.ProcessedEvents;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production profile: the application, unchanged, on a real PostgreSQL ({@link TestPostgres}), each test in a fresh
 * schema of its own that is dropped afterwards. Skipped, with a message, when PostgreSQL is not reachable.
 */
class PostgresProfileTest extends OrderEventsTestSupport {

    @Override
    protected boolean onPostgres() {
        return true;
    }

    @Test
    void everyServiceReactsToEachOrderExactlyOnceOnPostgresql() throws Exception {
        assertThat(queryLong("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + schema + "'"))
                // processed_events, orders, stock, email_outbox, parked_events, the four analytics tables, event_outbox,
                // event_outbox_relay, idempotency_keys, order_lifecycle, stock_reservations and the three of reprocess
                .as("the application's tables are in the test's schema").isEqualTo(17);
        assertEveryServiceReactsToEachOrderExactlyOnce();
    }

    @Test
    void aDuplicateEventHasOneEffect() throws Exception {
        String orderId = UUID.randomUUID().toString();
        String duplicate = envelope("dup-" + orderId, "order.created", orderCreated(orderId, "carol", "book-kafka", 2, "10"));
        send("orders", "carol", duplicate, Map.of("event_type", "order.created"));
        Poll.until("the first copy's reservation", Duration.ofSeconds(30), () -> available("book-kafka") == 18);
        awaitAnalytics(1);

        // the copy meets the committed claim in the database (a later batch for analytics); the next event of the
        // same key, so of the same partition, tells when the copy has been handled
        send("orders", "carol", duplicate, Map.of("event_type", "order.created"));
        sendEvent("orders", "order.created", "carol", orderCreated(UUID.randomUUID().toString(), "carol", "sticker", 1, "2.50"));
        Poll.until("the next event's reservation", Duration.ofSeconds(30), () -> available("sticker") == 999);

        assertThat(available("book-kafka")).as("the copy reserved nothing").isEqualTo(18);
        assertThat(awaitAnalytics(2).get("total_revenue").decimalValue()).isEqualByComparingTo("22.50");
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'analytics-service'")).isEqualTo(2);
    }

    @Test
    void exactlyOneOfEightConcurrentClaimsOfAnEventWins() throws Exception {
        ProcessedEvents processed = new ProcessedEvents(dataSource(), "claim-race");
        String eventId = UUID.randomUUID().toString();
        CyclicBarrier start = new CyclicBarrier(8);

        List<Boolean> claims = allAtOnce(8, () -> {
            // each claim on a connection of its own, in a transaction, as the eventTransaction policy runs it
            try (Connection connection = TestPostgres.connect(TestPostgres.url(schema))) {
                connection.setAutoCommit(false);
                start.await(30, SECONDS);
                boolean claimed = processed.claim(connection, eventId);
                connection.commit();
                return claimed;
            }
        });

        assertThat(claims).hasSize(8).containsOnlyOnce(true);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'claim-race'")).isEqualTo(1);
    }

    @Test
    void aBatchClaimTellsNewEventsFromKnownOnes() throws Exception {
        ProcessedEvents processed = new ProcessedEvents(dataSource(), "batch-claim");
        try (Connection connection = TestPostgres.connect(TestPostgres.url(schema))) {
            assertThat(processed.claimAll(connection, List.of("a", "b"))).containsExactly("a", "b");
            assertThat(processed.claimAll(connection, List.of("b", "c", "a", "d", "c"))).containsExactly("c", "d");
        }
        // the claims are multi-row INSERTs whose inserted rows answer: with the driver's rewritten batches on as well, a
        // known id is still told from a new one
        try (Connection rewriting = TestPostgres.connect(TestPostgres.url(schema) + "&reWriteBatchedInserts=true")) {
            assertThat(processed.claimAll(rewriting, List.of("a", "e"))).containsExactly("e");
        }
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'batch-claim'")).isEqualTo(5);
    }

    @Test
    void twoInstancesStartingAtOnceBothCreateTheSchema() throws Exception {
        for (int round = 0; round < 5; round++) {
            String fresh = TestPostgres.createSchema();
            try {
                PGSimpleDataSource database = new PGSimpleDataSource();
                database.setURL(TestPostgres.url(fresh));
                database.setUser(TestPostgres.USER);
                CyclicBarrier start = new CyclicBarrier(2);

                allAtOnce(2, () -> {
                    start.await(30, SECONDS);
                    Database.migrate(database);
                    return true;
                });

                try (Connection connection = database.getConnection(); var statement = connection.createStatement();
                     var rows = statement.executeQuery("SELECT (SELECT COUNT(*) FROM stock), (SELECT COUNT(*) FROM analytics_totals)")) {
                    rows.next();
                    assertThat(rows.getLong(1)).as("sample stock, once").isEqualTo(9);
                    assertThat(rows.getLong(2)).isEqualTo(1);
                }
            } finally {
                TestPostgres.dropSchema(fresh);
            }
        }
    }

    private DataSource dataSource() {
        return context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
    }

    /** Runs the task on as many threads; fails with the first task's failure. */
    private static <T> List<T> allAtOnce(int threads, Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(task));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
