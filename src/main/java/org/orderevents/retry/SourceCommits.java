package org.orderevents.retry;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.orderevents.metrics.EventMetrics;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the consumer group has committed a parked record's source partition past the record: then the batch that
 * parked it has committed, and a copy without a row is done with. Asked only when a row is missing.
 */
public interface SourceCommits {

    boolean committedPast(Exchange copy, RetryTopics.Source source);

    /**
     * Asked of the group coordinator, through the retry consumer itself (the copy's manual-commit header carries it);
     * offsets only grow, so a committed offset seen once is kept.
     */
    static SourceCommits ofGroupCoordinator() {
        Map<String, Long> seenOffsets = new ConcurrentHashMap<>();
        return (copy, source) -> {
            TopicPartition partition = new TopicPartition(source.topic(), source.partition());
            String key = EventMetrics.service(copy) + "/" + partition;
            Long seen = seenOffsets.get(key);
            if (seen == null || seen <= source.offset()) {
                DefaultKafkaManualCommit commit = copy.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, DefaultKafkaManualCommit.class);
                OffsetAndMetadata committed = commit.getConsumer().committed(Set.of(partition), Duration.ofSeconds(10)).get(partition);
                seen = committed == null ? -1 : committed.offset();
                seenOffsets.merge(key, seen, Math::max);
            }
            return seen > source.offset();
        };
    }
}
