package org.orderevents.fault;

import org.junit.jupiter.api.Test;
import org.orderevents.Poll;
import org.orderevents.TestBroker;

import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The application is killed and stopped while it works through thousands of events; nothing is lost or done twice. */
class CrashRecoveryTest extends FaultTestSupport {

    private static final int STOCK = 1_000_000;
    /** Orders of the kill run, two items each, over two products of which a third of them find stock. */
    private static final int SCARCE_EVENTS = 2000;
    private static final int SCARCE_STOCK = 700;
    private static final int KILLS = 5;

    @Test
    void killedWithSigkillAgainAndAgainWhileStockRunsOutEachOrderIsDecidedOnce() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String run = "crash-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("mug", SCARCE_STOCK);
        seedDatabase("sticker", SCARCE_STOCK);
        Set<String> orders = publishTwoItemOrders(run, SCARCE_EVENTS, "mug", "sticker");

        int kills = 0;
        long resultsAtKill = 0;
        for (int round = 0; round < KILLS; round++) {
            // kill once the inventory service has published somewhere between 5 % and 15 % more of the results
            long target = Math.min(SCARCE_EVENTS - 1, resultsAtKill + SCARCE_EVENTS * (5 + random.nextInt(11)) / 100);
            try (AppProcess app = AppProcess.start(appProperties(), log("crash-" + round))) {
                Poll.until("inventory results >= " + target, Duration.ofMinutes(3),
                        () -> inventoryResults(run).eventIds().size() >= target);
                app.kill();
                kills++;
            }
            resultsAtKill = inventoryResults(run).eventIds().size();
        }
        try (AppProcess app = AppProcess.start(appProperties(), log("crash-final"))) {
            awaitAllProcessed(run, SCARCE_EVENTS, Duration.ofMinutes(5));
            assertThat(app.stop()).as("exit code after SIGTERM").isIn(0, 130, 143);
        }

        System.out.printf("crash test: seed %d, %d two-item orders, %d SIGKILLs%n", seed, SCARCE_EVENTS, kills);
        assertThat(kills).isEqualTo(KILLS);
        assertEachOrderDecidedOnce(run, orders, "mug", "sticker", SCARCE_STOCK);
        assertThat(emailFiles()).as("one confirmation and one status e-mail per order").isEqualTo(2L * SCARCE_EVENTS);
        assertThat(published("orders", run, "order.status_changed").events()).as("one status change per order").isEqualTo(SCARCE_EVENTS);
        assertThat(totalLag()).as("every offset committed").isZero();
    }

    /** Orders of the clean-stop run: a third of them are done when SIGTERM comes. */
    private static final int STOP_EVENTS = 1000;

    @Test
    void aCleanStopInMidStreamRepeatsNothingAndLosesNothing() throws Exception {
        String run = "sigterm-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("sticker", STOCK);
        publishOrders(run, STOP_EVENTS, "sticker");

        try (AppProcess app = AppProcess.start(appProperties(), log("sigterm-1"))) {
            Poll.until("a third of the inventory results", Duration.ofMinutes(3),
                    () -> published("inventory", run, "inventory.reserved").events() >= STOP_EVENTS / 3);
            assertThat(app.stop()).as("exit code after SIGTERM").isIn(0, 130, 143);
        }
        try (AppProcess app = AppProcess.start(appProperties(), log("sigterm-2"))) {
            awaitAllProcessed(run, STOP_EVENTS, Duration.ofMinutes(5));
            app.stop();
        }

        Published results = published("inventory", run, "inventory.reserved");
        Published statuses = published("orders", run, "order.status_changed");
        System.out.printf("sigterm test: %d events, 1 SIGTERM; inventory results %d distinct in %d records, status changes "
                + "%d distinct in %d records, dead letters %d%n", STOP_EVENTS, results.events(), results.records(), statuses.events(), statuses.records(),
                deadLetters("orders.dlq", run).size() + deadLetters("inventory.dlq", run).size());
        // the events in flight at the stop finished and committed: nothing was published twice or dead-lettered
        assertThat(results.records()).as("inventory results published once each").isEqualTo(STOP_EVENTS);
        assertThat(statuses.records()).as("status changes published once each").isEqualTo(STOP_EVENTS);
        assertThat(deadLetters("orders.dlq", run)).isEmpty();
        assertThat(deadLetters("inventory.dlq", run)).isEmpty();
        assertThat(results.events()).isEqualTo(STOP_EVENTS);
        assertThat(statuses.events()).isEqualTo(STOP_EVENTS);
        assertThat(STOCK - queryLong("SELECT available FROM stock WHERE product_id = 'sticker'")).as("reserved once each").isEqualTo(STOP_EVENTS);
        assertThat(queryLong("SELECT total_orders FROM analytics_totals")).as("counted once each").isEqualTo(STOP_EVENTS);
        assertThat(queryLong("SELECT COUNT(*) FROM orders WHERE status = 'confirmed'")).isEqualTo(STOP_EVENTS);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'email-service'")).isEqualTo(2L * STOP_EVENTS);
        assertThat(emailFiles()).as("one e-mail per event").isEqualTo(2L * STOP_EVENTS);
        assertThat(totalLag()).as("every offset committed").isZero();
    }
}
