package org.orderevents.kafka;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualSyncCommit;
import org.apache.camel.component.kafka.consumer.KafkaManualCommitFactory.CamelExchangePayload;
import org.apache.camel.component.kafka.consumer.KafkaManualCommitFactory.KafkaRecordPayload;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rewind as camel-kafka's batching consumer meets it: records fetched before the rewind come after it, in a batch of
 * their own or in one batch with the records polled again from the rewound offset. Only those leftovers are dropped,
 * and a dropped record is always polled again.
 */
class BatchOffsetsTest {

    private static final TopicPartition PARTITION = new TopicPartition("orders.retry", 1);
    private static final TopicPartition OTHER = new TopicPartition("orders.retry", 2);

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);

    BatchOffsetsTest() {
        consumer.assign(List.of(PARTITION, OTHER));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L, OTHER, 0L));
    }

    @Test
    void leftoversInTheBatchOfTheRecordsPolledAgainAreDroppedAndTheRestKept() {
        BatchOffsets.rewind(records(PARTITION, 5, 6, 7));
        assertThat(consumer.position(PARTITION)).isEqualTo(5);

        // what the poll before the rewind had fetched (8, 9), then the poll from the rewound record, in one batch
        List<Exchange> batch = records(PARTITION, 8, 9, 5, 6, 7, 8, 9, 10);
        batch.addAll(records(OTHER, 3));

        assertThat(offsets(BatchOffsets.notTakenBack(batch))).containsExactly("1@5", "1@6", "1@7", "1@8", "1@9", "1@10", "2@3");
        // the rewound record came again: nothing is dropped any more
        assertThat(offsets(BatchOffsets.notTakenBack(records(PARTITION, 11)))).containsExactly("1@11");
    }

    @Test
    void leftoversInABatchOfTheirOwnAreDroppedUntilTheRewoundRecordComesAgain() {
        BatchOffsets.rewind(records(PARTITION, 5, 6, 7));

        assertThat(BatchOffsets.notTakenBack(records(PARTITION, 8, 9))).isEmpty();
        assertThat(offsets(BatchOffsets.notTakenBack(records(PARTITION, 5, 6, 7, 8, 9)))).containsExactly("1@5", "1@6", "1@7", "1@8", "1@9");
    }

    @Test
    void aRewoundRecordThatDoesNotComeAgainInTimeIsSoughtAgainSoNothingDroppedIsLost() {
        BatchOffsets.rewind(records(PARTITION, 5));
        long later = System.currentTimeMillis() + BatchOffsets.LEFTOVER_WINDOW_MS;
        // the consumer's position moved past it meanwhile (a rebalance): what comes is dropped, and the consumer goes back
        consumer.seek(PARTITION, 40);

        assertThat(BatchOffsets.notTakenBack(records(PARTITION, 40, 41), later)).isEmpty();

        assertThat(consumer.position(PARTITION)).as("sought back to the rewound record").isEqualTo(5);
        assertThat(offsets(BatchOffsets.notTakenBack(records(PARTITION, 5, 6), later))).containsExactly("1@5", "1@6");
    }

    private List<Exchange> records(TopicPartition partition, long... offsets) {
        List<Exchange> records = new ArrayList<>();
        for (long offset : offsets) {
            Exchange record = new DefaultExchange(context);
            record.getMessage().setHeader(KafkaConstants.MANUAL_COMMIT, new DefaultKafkaManualSyncCommit(
                    new CamelExchangePayload(record, consumer, "test", null), new KafkaRecordPayload(partition, offset, 1000), null));
            records.add(record);
        }
        return records;
    }

    private static List<String> offsets(List<Exchange> records) {
        return records.stream().map(record -> {
            var commit = record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, DefaultKafkaManualSyncCommit.class);
            return commit.getPartition().partition() + "@" + commit.getRecordOffset();
        }).toList();
    }
}
