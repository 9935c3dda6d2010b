package org.orderevents.kafka;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.orderevents.TestBroker;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Processed ids must outlive redelivery: a record stays on a topic until its whole segment is past retention.ms, so
 * the processed-id retention must cover retention.ms + segment.ms of every consumed topic, as the broker reports them.
 */
class TopicRetentionTest {

    /** The broker's defaults: retention.ms and segment.ms 7 days each. */
    private static final Duration REDELIVERY = Duration.ofDays(14);

    private final Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestBroker.bootstrapServers());

    @Test
    void aRetentionThatCoversRetentionAndSegmentIsAccepted() {
        assertThatCode(() -> TopicSetup.requireRetentionCovers(client, REDELIVERY)).doesNotThrowAnyException();
    }

    @Test
    void aShorterRetentionIsRefusedNamingTheValues() {
        assertThatThrownBy(() -> TopicSetup.requireRetentionCovers(client, Duration.ofDays(7)))
                .hasMessageContaining("processed-events.retention PT168H is shorter than the topics can redeliver a record")
                .hasMessageContaining("orders: retention.ms 604800000 (PT168H) + segment.ms 604800000 (PT168H) = PT336H")
                .hasMessageContaining("set processed-events.retention to at least PT336H");
    }
}
