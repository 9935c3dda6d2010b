package org.orderevents;

import org.apache.camel.builder.NotifyBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.orderevents.event.Json;
import org.orderevents.kafka.EmbeddedKafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** The dead-letter topic cannot be written: the offset stays on the failed event until it can, then the partition flows. */
class DeadLetterWriteFailsTest extends OrderEventsTestSupport {

    private EmbeddedKafka ownBroker;

    @Override
    protected Map<String, String> overrideProperties() {
        // a broker of this test's own: it deletes a topic the other tests use
        ownBroker = startOwnBroker();
        // a send to a missing topic waits this long for it to appear, then fails
        return Map.of("kafka.brokers", ownBroker.bootstrapServers(), "camel.component.kafka.max-block-ms", "2000",
                "camel.main.shutdown-timeout", "5");
    }

    @Override
    protected void doPreSetup() {
        // the groups live on this test's own broker, which starts empty
    }

    @Test
    void theOffsetDoesNotMovePastAnEventUntilItIsDeadLettered() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ownBroker.bootstrapServers()))) {
            admin.deleteTopics(List.of("orders.dlq")).all().get(30, TimeUnit.SECONDS);
            NotifyBuilder failing = new NotifyBuilder(context).fromRoute("inventory-service").whenFailed(2).create();

            RecordMetadata bad = produce("user_1", "not json at all");
            RecordMetadata good = produce("user_1", Json.write(Map.of("event_id", "after-the-bad-one",
                    "event_type", "order.created", "timestamp", Instant.now().toString(),
                    "data", orderCreated("o-after", "user_1", "mug", 1, "9"))));
            assertThat(good.partition()).isEqualTo(bad.partition());

            assertThat(failing.matches(60, SECONDS)).as("the dead-letter write failed twice").isTrue();
            TopicPartition partition = new TopicPartition("orders", bad.partition());
            assertThat(committed(admin, "inventory-service", partition)).as("not past the failed event").isLessThanOrEqualTo(bad.offset());
            assertThat(available("mug")).as("the event behind it waits").isEqualTo(100);

            admin.createTopics(List.of(new NewTopic("orders.dlq", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);

            Poll.until("the partition flowing on: the mug after the bad event reserved", Duration.ofSeconds(90),
                    () -> available("mug") == 99);
            var letters = records("orders.dlq", r -> "inventory-service".equals(header(r, "dlq.consumer.group")), 1,
                    Duration.ofSeconds(30));
            assertThat(letters).hasSize(1);
            assertThat(header(letters.get(0), "dlq.original.offset")).isEqualTo(String.valueOf(bad.offset()));
        }
    }

    private RecordMetadata produce(String key, String value) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", ownBroker.bootstrapServers(),
                "acks", "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>("orders", key.getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private static long committed(Admin admin, String group, TopicPartition partition) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        OffsetAndMetadata offset = offsets.get(partition);
        return offset == null ? 0 : offset.offset();
    }

}
