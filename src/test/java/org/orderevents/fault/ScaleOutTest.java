package org.orderevents.fault;

import org.junit.jupiter.api.Test;
import org.orderevents.Poll;
import org.orderevents.TestBroker;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances share the consumer groups and one database (H2 in server mode here, PostgreSQL in
 * {@link PostgresScaleOutTest}), and contend for scarce stock: two-item orders name two products in opposite orders
 * across users. A second instance joins (a rebalance), the database is cut for 15 s while batches are in flight and
 * more orders come, the first instance is killed while both work through that backlog: each order is decided once.
 */
class ScaleOutTest extends ServerDatabaseTestSupport {

    /** Orders before the database cut, and as many more during it. */
    private static final int BATCH = 1000;
    private static final int EVENTS = 2 * BATCH;
    /** Enough for about a third of the orders. */
    private static final int STOCK = 700;
    private static final Duration DATABASE_CUT = Duration.ofSeconds(15);

    @Test
    void twoInstancesContendForScarceStockThroughARebalanceADatabaseCutAndAKillEachOrderIsDecidedOnce() throws Exception {
        String run = "scale-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("mug", STOCK);
        seedDatabase("sticker", STOCK);
        Set<String> orders = new HashSet<>(publishTwoItemOrders(run + "-a", BATCH, "mug", "sticker"));
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("db.connection-timeout-ms", "1000");

        try (AppProcess first = AppProcess.start(properties, log("scale-first"))) {
            Poll.until("15 % of the first orders' results", Duration.ofMinutes(3),
                    () -> inventoryResults(run).eventIds().size() >= BATCH * 15 / 100);
            Map<String, String> secondProperties = new HashMap<>(properties);
            secondProperties.put("http.port", appProperties().get("http.port"));
            try (AppProcess second = AppProcess.start(secondProperties, log("scale-second"))) {
                Poll.until("30 % of the first orders' results", Duration.ofMinutes(3),
                        () -> inventoryResults(run).eventIds().size() >= BATCH * 30 / 100);
                // the database goes while both instances work; more orders come meanwhile
                cutDatabase(DATABASE_CUT, () -> orders.addAll(publishTwoItemOrders(run + "-b", BATCH, "mug", "sticker")));
                // the first instance dies (SIGKILL) while both work through the backlog: its partitions move to the
                // second, which catches up, order-service as the others
                Poll.until("the backlog under way", Duration.ofMinutes(3),
                        () -> inventoryResults(run).eventIds().size() >= BATCH + BATCH / 10);
                first.kill();
                Map<String, Long> catchUp = catchUpAfter(System.currentTimeMillis());
                awaitAllProcessed(run, EVENTS, Duration.ofMinutes(5));
                System.out.printf("scale-out test (%s): each group's lag last above 0, ms after the kill: %s%n", database(), catchUp);
                Poll.until("nothing parked", Duration.ofMinutes(2), () -> queryLong("SELECT COUNT(*) FROM parked_events") == 0);
                second.stop();
            }
        }

        assertEachOrderDecidedOnce(run, orders, "mug", "sticker", STOCK);
        assertThat(emailFiles()).isEqualTo(2L * EVENTS);
        assertThat(published("orders", run, "order.status_changed").events()).as("one status change per order").isEqualTo(EVENTS);
        assertThat(totalLag()).isZero();
    }

    String database() {
        return "H2 server";
    }

    /** What the test does while the database is away. */
    interface DuringCut {
        void run() throws Exception;
    }

    /** Stops the database while the instances work, and starts it again. */
    void cutDatabase(Duration length, DuringCut during) throws Exception {
        database.stop();
        try {
            awaitCut(length, during);
        } finally {
            database.start();
        }
    }

    /** Does what comes during the cut, then waits for its end. */
    static void awaitCut(Duration length, DuringCut during) throws Exception {
        Instant back = Instant.now().plus(length);
        during.run();
        Poll.until("the end of the database cut", length.plusSeconds(5), () -> Instant.now().isAfter(back));
    }

    /**
     * Reads each group's lag until every group's is 0 (or 5 minutes passed): when it was last above 0, in ms after
     * {@code since}; a group whose members stopped polling would be last (a rebalance waits for every member).
     */
    private Map<String, Long> catchUpAfter(long since) throws Exception {
        Map<String, Long> lastBehind = new TreeMap<>();
        Poll.until("every group's lag 0", Duration.ofMinutes(5), () -> {
            Map<String, Long> lags = lagPerGroup();
            long now = System.currentTimeMillis() - since;
            lags.forEach((group, lag) -> {
                if (lag > 0 || !lastBehind.containsKey(group)) {
                    lastBehind.put(group, lag > 0 ? now : 0L);
                }
            });
            return lags.values().stream().allMatch(lag -> lag == 0);
        });
        return lastBehind;
    }
}
