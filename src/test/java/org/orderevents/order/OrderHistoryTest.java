package org.orderevents.order;

import org.junit.jupiter.api.Test;
import org.orderevents.order.OrderHistory.Entry;
import org.orderevents.order.OrderHistory.Folded;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The fold of an order's history, on generated histories: the same whatever order its rows come in, and Kafka's order kept. */
class OrderHistoryTest {

    private static final List<String> CHANGES = List.of("confirmed", "rejected", "shipped", "delivered", "cancelled", "pending");

    @Test
    void theFoldDependsOnTheEventsOnlyNotOnTheOrderTheyWereAppliedIn() {
        Random random = new Random(7);
        for (int run = 0; run < 2_000; run++) {
            List<Entry> history = history(random, 1 + random.nextInt(3));
            Folded folded = OrderHistory.fold(history);
            for (int i = 0; i < 5; i++) {
                List<Entry> shuffled = new ArrayList<>(history);
                Collections.shuffle(shuffled, random);
                assertThat(OrderHistory.fold(shuffled)).as("history %s", history).isEqualTo(folded);
            }
        }
    }

    @Test
    void eachPartitionKeepsItsOffsetOrderAndPartitionsInterleaveByRecordTime() {
        Random random = new Random(11);
        for (int run = 0; run < 2_000; run++) {
            List<Entry> history = history(random, 1 + random.nextInt(3));
            List<Entry> ordered = OrderHistory.ordered(history);
            assertThat(ordered).containsExactlyInAnyOrderElementsOf(history);
            for (int p = 0; p < 3; p++) {
                int partition = p;
                assertThat(ordered.stream().filter(e -> e.partition() == partition).map(Entry::offset).toList()).isSorted();
            }
            if (history.stream().map(Entry::partition).distinct().count() == 1) {
                assertThat(ordered).isEqualTo(history.stream().sorted(Comparator.comparingLong(Entry::offset)).toList());
            }
        }
    }

    @Test
    void onePartitionFoldsAsTheLifecycleAppliedInOffsetOrderWithChangesBeforeTheOrderWaitingForIt() {
        Random random = new Random(13);
        for (int run = 0; run < 2_000; run++) {
            List<Entry> history = history(random, 1);
            List<Entry> inOrder = history.stream().sorted(Comparator.comparingLong(Entry::offset)).toList();
            String status = null;
            List<String> waiting = new ArrayList<>();
            for (Entry entry : inOrder) {
                if (entry.created() && status == null) {
                    status = OrderLifecycle.PENDING;
                    for (String change : waiting) {
                        status = OrderLifecycle.allows(status, change) ? change : status;
                    }
                } else if (!entry.created() && status == null) {
                    waiting.add(entry.status());
                } else if (!entry.created()) {
                    status = OrderLifecycle.allows(status, entry.status()) ? entry.status() : status;
                }
            }
            Folded folded = OrderHistory.fold(history);
            assertThat(folded.status() == null ? null : folded.status().status()).as("history %s", inOrder).isEqualTo(status);
        }
    }

    /** An order's events in up to three partitions: an order.created (sometimes two, sometimes none) and status changes. */
    private static List<Entry> history(Random random, int partitions) {
        List<Entry> entries = new ArrayList<>();
        long[] offsets = new long[partitions];
        long time = 1_000;
        int events = 1 + random.nextInt(8);
        int created = random.nextInt(10) == 0 ? -1 : random.nextInt(events);
        for (int i = 0; i < events; i++) {
            int partition = random.nextInt(partitions);
            // record times mostly rise, sometimes fall back (another producer's clock)
            time += random.nextInt(10) == 0 ? -random.nextInt(50) : random.nextInt(50);
            boolean isCreated = i == created || random.nextInt(20) == 0;
            String status = isCreated ? OrderLifecycle.PENDING : CHANGES.get(random.nextInt(CHANGES.size()));
            entries.add(new Entry("e" + i, status, isCreated ? null : "reason " + i, isCreated ? null : "t" + i, isCreated,
                    partition, offsets[partition] += 1 + random.nextInt(3), time));
        }
        return entries;
    }
}
