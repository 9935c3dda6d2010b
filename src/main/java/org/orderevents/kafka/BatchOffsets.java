package org.orderevents.kafka;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The offsets of a batch consumer (camel-kafka {@code batching=true} with manual commit): committed once every record
 * of the batch has its effect committed or is in the dead-letter topic, or taken back so that the records are polled
 * again.
 */
public final class BatchOffsets {

    private BatchOffsets() {
    }

    /**
     * Commits, for every partition of the records, the offset after its last record. camel-kafka's stock
     * {@code BatchManualCommit} commits only the partition of the batch's last record, which would leave the batch's
     * other partitions uncommitted.
     */
    public static void commit(List<?> records) {
        lastOfPartition(records).values().forEach(KafkaManualCommit::commit);
    }

    /**
     * Takes the records back: the consumer's next poll starts, for each of their partitions, at the first of them.
     * Called on the consumer's thread (the route's), the only one that may use the consumer.
     */
    public static void rewind(List<?> records) {
        Map<TopicPartition, DefaultKafkaManualCommit> first = new LinkedHashMap<>();
        for (Object item : records) {
            if (item instanceof Exchange record && record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT)
                    instanceof DefaultKafkaManualCommit commit) {
                first.putIfAbsent(commit.getPartition(), commit);
            }
        }
        first.forEach((partition, commit) -> {
            commit.getConsumer().seek(partition, commit.getRecordOffset());
            REWOUND.put(marker(commit), new Rewound(commit.getRecordOffset(), System.currentTimeMillis()));
        });
    }

    /**
     * The records of a batch without those a rewind took back. camel-kafka gathers the records of its polls into batches
     * (up to maxPollRecords, or what came within batchingIntervalMs), so records fetched before a rewind still come
     * after it, ahead of the rewound record or in the same batch as it, and would run past it. Of a rewound partition,
     * every record after the rewound offset is dropped (neither processed nor committed) until the rewound record comes
     * again; from it on, the partition's records are kept. A partition whose rewound record has not come again within
     * {@link #LEFTOVER_WINDOW_MS} (its consumer's position moved since, in a rebalance) is sought back to it again, so a
     * dropped record is always polled again.
     */
    public static List<Exchange> notTakenBack(List<Exchange> records) {
        return notTakenBack(records, System.currentTimeMillis());
    }

    static List<Exchange> notTakenBack(List<Exchange> records, long now) {
        if (REWOUND.isEmpty()) {
            return records;
        }
        List<Exchange> kept = new ArrayList<>(records.size());
        Map<String, DefaultKafkaManualCommit> dropped = new LinkedHashMap<>();
        for (Exchange record : records) {
            if (!(record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT) instanceof DefaultKafkaManualCommit commit)) {
                kept.add(record);
                continue;
            }
            String marker = marker(commit);
            Rewound rewound = REWOUND.get(marker);
            if (rewound == null) {
                kept.add(record);
            } else if (commit.getRecordOffset() <= rewound.offset()) {
                REWOUND.remove(marker);
                dropped.remove(marker);
                kept.add(record);
            } else {
                dropped.put(marker, commit);
            }
        }
        dropped.forEach((marker, commit) -> {
            Rewound rewound = REWOUND.get(marker);
            if (rewound != null && now - rewound.atMillis() >= LEFTOVER_WINDOW_MS) {
                try {
                    commit.getConsumer().seek(commit.getPartition(), rewound.offset());
                    REWOUND.put(marker, new Rewound(rewound.offset(), now));
                } catch (IllegalStateException notAssigned) {
                    // no longer this consumer's partition: its next owner starts at the committed offset
                    REWOUND.remove(marker);
                }
            }
        });
        return kept;
    }

    /** How long a rewound record may take to come again before its partition is sought back to it once more. */
    static final long LEFTOVER_WINDOW_MS = 5_000;

    private record Rewound(long offset, long atMillis) {
    }

    private static final Map<String, Rewound> REWOUND = new ConcurrentHashMap<>();

    /** One consumer's partition: a new consumer (after a reconnect) starts from the committed offsets anyway. */
    private static String marker(DefaultKafkaManualCommit commit) {
        return System.identityHashCode(commit.getConsumer()) + "/" + commit.getPartition();
    }

    private static Map<Object, KafkaManualCommit> lastOfPartition(Collection<?> records) {
        Map<Object, KafkaManualCommit> last = new LinkedHashMap<>();
        for (Object item : records) {
            if (item instanceof Exchange record) {
                KafkaManualCommit commit = record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
                if (commit != null) {
                    Object partition = commit instanceof DefaultKafkaManualCommit known ? known.getPartition()
                            : record.getMessage().getHeader(KafkaConstants.TOPIC) + "/" + record.getMessage().getHeader(KafkaConstants.PARTITION);
                    last.put(partition, commit);
                }
            }
        }
        return last;
    }
}
