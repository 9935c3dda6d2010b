package org.orderevents.kafka;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offset commit of a batch consumer (camel-kafka {@code batching=true} with manual commit), once every record of
 * the batch has its effect committed or is in the dead-letter topic.
 */
public final class BatchOffsets {

    private BatchOffsets() {
    }

    /**
     * Commits, for every partition of the batch, the offset after its last record. camel-kafka's stock
     * {@code BatchManualCommit} commits only the partition of the batch's last record, which would leave the batch's
     * other partitions uncommitted.
     */
    public static void commit(List<?> records) {
        Map<String, KafkaManualCommit> lastOfPartition = new LinkedHashMap<>();
        for (Object item : records) {
            if (item instanceof Exchange record) {
                KafkaManualCommit commit = record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
                if (commit != null) {
                    lastOfPartition.put(record.getMessage().getHeader(KafkaConstants.TOPIC) + "/"
                            + record.getMessage().getHeader(KafkaConstants.PARTITION), commit);
                }
            }
        }
        lastOfPartition.values().forEach(KafkaManualCommit::commit);
    }
}
