package org.orderevents.fault;

import org.junit.jupiter.api.Test;
import org.orderevents.TestBroker;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Two instances share the consumer groups and one database (H2 in server mode); rebalances double no effect. */
class ScaleOutTest extends ServerDatabaseTestSupport {

    private static final int EVENTS = 2000;
    private static final int STOCK = 1_000_000;

    @Test
    void aSecondInstanceJoinsMidStreamAndTheFirstIsKilledEveryEffectHappensOnce() throws Exception {
        String run = "scale-" + UUID.randomUUID();
        TestBroker.moveGroupsToEnd();
        seedDatabase("sticker", STOCK);
        publishOrders(run, EVENTS, "sticker");

        try (AppProcess first = AppProcess.start(appProperties(), log("scale-first"))) {
            Poll.until("15 % of the inventory results", Duration.ofMinutes(3),
                    () -> countEvents("inventory", run, "inventory.reserved")[0] >= EVENTS * 15 / 100);
            try (AppProcess second = AppProcess.start(appProperties(), log("scale-second"))) {
                Poll.until("half of the inventory results", Duration.ofMinutes(3),
                        () -> countEvents("inventory", run, "inventory.reserved")[0] >= EVENTS / 2);
                // the first instance dies (SIGKILL) mid-stream, inventory results parked ahead of their orders among
                // what it held: its partitions move to the second, which catches up, order-service as the others
                first.kill();
                awaitAllProcessed(run, EVENTS, Duration.ofMinutes(5));
                Poll.until("nothing parked", Duration.ofMinutes(2), () -> queryLong("SELECT COUNT(*) FROM parked_events") == 0);
                second.stop();
            }
        }

        long confirmed = queryLong("SELECT COUNT(*) FROM orders WHERE status = 'confirmed'");
        long stockTaken = STOCK - queryLong("SELECT available FROM stock WHERE product_id = 'sticker'");
        long analyticsOrders = queryLong("SELECT total_orders FROM analytics_totals");
        long emails = queryLong("SELECT COUNT(*) FROM email_outbox");
        long files = emailFiles();
        System.out.printf("scale-out test: %d events, 2 instances (second joined at 15 %%, first killed at 50 %%); confirmed %d, "
                + "stock taken %d, analytics orders %d, e-mails %d (%d files); lost %d, duplicated %d%n", EVENTS, confirmed,
                stockTaken, analyticsOrders, emails, files, EVENTS - Math.min(confirmed, Math.min(stockTaken, analyticsOrders)),
                Math.max(0, Math.max(stockTaken, analyticsOrders) - EVENTS));
        assertThat(confirmed).isEqualTo(EVENTS);
        assertThat(stockTaken).isEqualTo(EVENTS);
        assertThat(analyticsOrders).isEqualTo(EVENTS);
        assertThat(emails).isEqualTo(2L * EVENTS);
        assertThat(files).isEqualTo(2L * EVENTS);
        assertThat(queryLong("SELECT COUNT(*) FROM processed_events WHERE processor_name = 'inventory-service'")).isEqualTo(EVENTS);
        assertThat(totalLag()).isZero();
    }
}
