package org.orderevents.order;

import org.junit.jupiter.api.Test;
import org.orderevents.order.OrderHistory.Change;
import org.orderevents.order.OrderHistory.Folded;
import org.orderevents.order.OrderHistory.Status;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fold of an order's history, on generated histories: the same whatever order its changes were applied or put back
 * in, Kafka's order kept, and the history the same after its round trip through the orders row.
 */
class OrderHistoryTest {

    private static final List<String> STATUSES = List.of("confirmed", "rejected", "shipped", "delivered", "cancelled", "pending");

    @Test
    void theFoldDependsOnTheChangesOnlyNotOnTheOrderTheyWereAppliedOrTakenOutAndPutBackIn() {
        Random random = new Random(7);
        for (int run = 0; run < 2_000; run++) {
            OrderHistory history = history(random, 1 + random.nextInt(3));
            Folded folded = history.fold();
            // applied one at a time in another order (instances, retries), then some taken out and put back (a reprocess)
            List<Change> arrival = new ArrayList<>(history.changes());
            Collections.shuffle(arrival, random);
            OrderHistory applied = OrderHistory.begunBy("created", OrderLifecycle.PENDING);
            for (Change change : arrival) {
                applied = applied.with(List.of(change));
            }
            Set<String> takenOut = new TreeSet<>();
            arrival.stream().filter(c -> random.nextBoolean()).forEach(c -> takenOut.add(c.eventId()));
            OrderHistory rest = applied.without(takenOut);
            assertThat(rest.changes()).hasSize(arrival.size() - takenOut.size());
            OrderHistory putBack = rest.with(arrival.stream().filter(c -> takenOut.contains(c.eventId())).toList());
            assertThat(putBack.fold()).as("history %s", history).isEqualTo(folded);
            // a change applied twice is kept once
            assertThat(putBack.with(arrival).changes()).hasSameSizeAs(arrival);
            assertThat(OrderHistory.of(putBack.json(), null)).isEqualTo(putBack);
        }
    }

    @Test
    void eachPartitionKeepsItsOffsetOrderAndPartitionsInterleaveByRecordTime() {
        Random random = new Random(11);
        for (int run = 0; run < 2_000; run++) {
            List<Change> changes = history(random, 1 + random.nextInt(3)).changes();
            List<Change> ordered = OrderHistory.ordered(changes);
            assertThat(ordered).containsExactlyInAnyOrderElementsOf(changes);
            for (int p = 0; p < 3; p++) {
                int partition = p;
                assertThat(ordered.stream().filter(c -> c.partition() == partition).map(Change::offset).toList()).isSorted();
            }
            // each change, when it comes, is its partition's next, and none of the other partitions' next is earlier
            for (int i = 0; i < ordered.size(); i++) {
                Change chosen = ordered.get(i);
                List<Change> rest = ordered.subList(i, ordered.size());
                for (int p = 0; p < 3; p++) {
                    int partition = p;
                    rest.stream().filter(c -> c.partition() == partition).min(Comparator.comparingLong(Change::offset))
                            .ifPresent(head -> assertThat(head.recordTime()).isGreaterThanOrEqualTo(chosen.recordTime()));
                }
            }
        }
    }

    @Test
    void onePartitionFoldsAsTheLifecycleAppliedInOffsetOrder() {
        Random random = new Random(13);
        for (int run = 0; run < 2_000; run++) {
            OrderHistory history = history(random, 1);
            String status = OrderLifecycle.PENDING;
            for (Change change : history.changes().stream().sorted(Comparator.comparingLong(Change::offset)).toList()) {
                status = OrderLifecycle.allows(status, change.status()) ? change.status() : status;
            }
            assertThat(history.fold().status().status()).as("history %s", history).isEqualTo(status);
        }
    }

    @Test
    void anOrderKeptBeforeItsHistoryBeginsAtItsStatusThen() {
        Status then = new Status("confirmed", null, "2026-11-22T10:00:00Z");
        OrderHistory snapshot = OrderHistory.of(null, then);
        assertThat(snapshot.created()).isNull();
        OrderHistory shipped = snapshot.with(List.of(new Change("s", "shipped", null, "2026-11-23T09:00:00Z", 0, 5, 1_000)));
        assertThat(shipped.fold().status()).isEqualTo(new Status("shipped", null, "2026-11-23T09:00:00Z"));
        assertThat(OrderHistory.of(shipped.json(), null).fold()).isEqualTo(shipped.fold());
        // pending again is not a change the lifecycle allows from confirmed
        assertThat(snapshot.with(List.of(new Change("p", "pending", null, null, 0, 6, 1_001))).fold().refused()).containsExactly("p");
    }

    /** An order's status changes in up to three partitions, some refused by the lifecycle. */
    private static OrderHistory history(Random random, int partitions) {
        List<Change> changes = new ArrayList<>();
        long[] offsets = new long[partitions];
        long time = 1_000;
        int count = random.nextInt(8);
        for (int i = 0; i < count; i++) {
            int partition = random.nextInt(partitions);
            // record times mostly rise, sometimes fall back (another producer's clock)
            time += random.nextInt(10) == 0 ? -random.nextInt(50) : random.nextInt(50);
            changes.add(new Change("e" + i, STATUSES.get(random.nextInt(STATUSES.size())), random.nextBoolean() ? "reason " + i : null,
                    "2026-11-22T10:00:0" + i + "Z", partition, offsets[partition] += 1 + random.nextInt(3), time));
        }
        return OrderHistory.begunBy("created", OrderLifecycle.PENDING).with(changes);
    }
}
